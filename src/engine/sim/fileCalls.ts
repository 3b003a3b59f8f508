/**
 * What a user-space process does with relay files: each action a system call on the run's
 * channel through one FileTable (fds and mappings), and its result as strace would print it,
 * with the kernel's error where there is one. An action that fails changes nothing. The same
 * calls on the same state give the same results, so a deterministic run replays them.
 */
import { POLLERR, POLLIN, relayFilePoll, relayFileRead, relayFileSendfile, type Rchan } from '../kernel/index.ts';
import { relayMappingRead } from './mapping.ts';
import type { FileErrno, FileTable } from './files.ts';

export type FileAction =
  | { op: 'open'; cpu: number }
  | { op: 'read'; fd: number; count: number }
  | { op: 'sendfile'; fd: number; count: number }
  | { op: 'poll'; fd: number }
  | { op: 'lseek'; fd: number; offset: number }
  | { op: 'mmap'; fd: number; length: number }
  | { op: 'mapread'; map: number; offset: number; length: number }
  | { op: 'munmap'; map: number }
  | { op: 'close'; fd: number };

export interface FileResult {
  /** The CPU whose file it acted on (the global buffer's is 0). */
  cpu: number;
  op: FileAction['op'];
  /** The call, e.g. `read(3, buf, 4096)`. */
  call: string;
  /** What it returned, e.g. `64` or `-1 EBADF`. */
  ret: string;
  /** The error, or null when the call succeeded. */
  errno: FileErrno | 'SIGSEGV' | null;
  /** open: the new fd; mmap: the new mapping. */
  fd?: number;
  map?: number;
  /** mapread: the pages this touch faulted in. */
  faults?: number[];
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function pollText(mask: number): string {
  if (mask === POLLERR) return 'POLLERR: the buffer is finalized (relay_close)';
  if ((mask & POLLIN) !== 0) return 'POLLIN|POLLRDNORM: a produced sub-buffer is unconsumed';
  return '0: nothing produced yet; a poller would sleep until a sub-buffer is produced';
}

/** Contiguous ranges a read copied, as buffer positions. */
function rangesText(chunks: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < chunks.length; i += 2) parts.push(`[${chunks[i]}, ${chunks[i] + chunks[i + 1]})`);
  return parts.length === 0 ? '' : ` from ${parts.join(', ')}`;
}

/**
 * Performs one action. A bad handle's result names the file it was last open on; `cpuHint`
 * names it for a handle never made (the panel knows which file's row the action came from).
 */
export function performFileAction(files: FileTable, chan: Rchan, action: FileAction, cpuHint = 0): FileResult {
  const fail = (cpu: number, op: FileAction['op'], call: string, errno: FileErrno | 'SIGSEGV'): FileResult => ({
    cpu: cpu < 0 ? cpuHint : cpu,
    op,
    call,
    ret: errno === 'SIGSEGV' ? 'SIGSEGV: the range leaves the mapping' : `-1 ${errno}`,
    errno,
  });
  const ok = (cpu: number, op: FileAction['op'], call: string, ret: string, extra: Partial<FileResult> = {}): FileResult => ({
    cpu,
    op,
    call,
    ret,
    errno: null,
    ...extra,
  });

  switch (action.op) {
    case 'open': {
      const buf = chan.buf(action.cpu);
      const path = buf?.filePath ?? `${chan.parent}/${chan.baseFilename}${action.cpu}`;
      const call = `open("${path}", O_RDONLY)`;
      const open = files.open(action.cpu);
      if (typeof open === 'string') return fail(action.cpu, 'open', call, open);
      return ok(action.cpu, 'open', call, `${open.fd} (kref ${open.file.buf.kref})`, { fd: open.fd });
    }
    case 'read':
    case 'sendfile': {
      const call = action.op === 'read' ? `read(${action.fd}, buf, ${action.count})` : `sendfile(out, ${action.fd}, NULL, ${action.count})`;
      const open = files.get(action.fd);
      if (typeof open === 'string') return fail(files.cpuOfFd(action.fd), action.op, call, open);
      const chunks: number[] = [];
      const got =
        action.op === 'read' ? relayFileRead(open.file, action.count, null, chunks) : relayFileSendfile(open.file, action.count, null, chunks);
      const cpu = open.file.buf.cpu;
      if (typeof got === 'string') return fail(cpu, action.op, call, got);
      return ok(cpu, action.op, call, `${got}${rangesText(chunks)}`);
    }
    case 'poll': {
      const call = `poll(${action.fd}, POLLIN)`;
      const open = files.get(action.fd);
      if (typeof open === 'string') return fail(files.cpuOfFd(action.fd), 'poll', call, open);
      // The page never sleeps: it looks and leaves the wait queue at once.
      return ok(open.file.buf.cpu, 'poll', call, pollText(relayFilePoll(open.file, false)));
    }
    case 'lseek': {
      const call = `lseek(${action.fd}, ${action.offset}, SEEK_SET)`;
      return fail(files.cpuOfFd(action.fd), 'lseek', call, files.lseek(action.fd));
    }
    case 'mmap': {
      const call = `mmap(NULL, ${action.length}, PROT_READ, MAP_SHARED, ${action.fd}, 0)`;
      const cpu = files.cpuOfFd(action.fd);
      const mapping = files.mmap(action.fd, action.length);
      if (typeof mapping === 'string') return fail(cpu, 'mmap', call, mapping);
      const pages = mapping.map.faulted.length;
      return ok(cpu, 'mmap', call, `mapping ${mapping.id}: ${plural(pages, 'page')}, none present until touched`, { map: mapping.id });
    }
    case 'mapread': {
      const call = `touch mapping ${action.map} [${action.offset}, ${action.offset + action.length})`;
      const mapping = files.mapping(action.map);
      if (typeof mapping === 'string') return fail(files.cpuOfMap(action.map), 'mapread', call, mapping);
      const faulted = mapping.map.faulted;
      const before = faulted.slice();
      const cpu = mapping.open.file.buf.cpu;
      if (relayMappingRead(mapping.map, action.offset, action.length) === null) return fail(cpu, 'mapread', call, 'SIGSEGV');
      const faults: number[] = [];
      faulted.forEach((on, page) => {
        if (on === 1 && before[page] === 0) faults.push(page);
      });
      const what = faults.length === 0 ? 'no fault: every page touched was present' : `${plural(faults.length, 'fault')}: page ${faults.join(', ')}`;
      return ok(cpu, 'mapread', call, `${action.length} bytes; ${what}`, { faults });
    }
    case 'munmap': {
      const call = `munmap(mapping ${action.map})`;
      const cpu = files.cpuOfMap(action.map);
      const gone = files.munmap(action.map);
      if (typeof gone === 'string') return fail(cpu, 'munmap', call, gone);
      return ok(cpu, 'munmap', call, '0');
    }
    case 'close': {
      const call = `close(${action.fd})`;
      const cpu = files.cpuOfFd(action.fd);
      const closed = files.close(action.fd);
      if (typeof closed === 'string') return fail(cpu, 'close', call, closed);
      const held = closed.holders > 0 ? `; a mapping still holds the file (kref ${closed.file.buf.kref})` : '';
      return ok(cpu, 'close', call, `0${held}`);
    }
  }
}
