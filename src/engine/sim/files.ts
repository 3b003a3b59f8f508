/**
 * A process's view of the relay files: file descriptors, the `struct file` each refers to and
 * the mappings made from them. This is the VFS around relay, not relay: an fd and every
 * mapping each hold the file, and relay's release (which drops the buffer's reference) runs
 * only when the last of them goes. So closing a mapped fd keeps the buffer until munmap.
 */
import {
  relayFileLlseek,
  relayFileMmap,
  relayFileOpen,
  relayFileRelease,
  type Rchan,
  type RchanBuf,
  type RelayErrno,
  type RelayFile,
  type RelayMapping,
} from '../kernel/index.ts';

/** Errors of the file operations: relay's own, plus the VFS's bad fd and missing file. */
export type FileErrno = RelayErrno | 'EBADF' | 'ENOENT';

/** A `struct file` with the count of what holds it (its fd, if still open, and its mappings). */
export interface OpenFile {
  readonly file: RelayFile;
  /** The fd it was opened as; it stays named so after close, for display. */
  readonly fd: number;
  fdOpen: boolean;
  holders: number;
}

export interface Mapping {
  readonly id: number;
  readonly open: OpenFile;
  readonly map: RelayMapping;
}

/** 0, 1 and 2 are the standard streams; relay files get the lowest free number from 3. */
export const FIRST_FD = 3;

export class FileTable {
  private readonly fds = new Map<number, OpenFile>();
  private readonly maps = new Map<number, Mapping>();
  /** The CPU of the file last opened as each fd, and of each mapping ever made: closed ones too, to name them in an error. */
  private readonly fdCpus = new Map<number, number>();
  private readonly mapCpus = new Map<number, number>();
  private nextMap = 1;

  constructor(private readonly chan: Rchan) {}

  /**
   * open(2) of CPU `cpu`'s relay file. ENOENT when that CPU has no buffer, or relay_close
   * already removed the files.
   */
  open(cpu: number): OpenFile | FileErrno {
    const buf = this.chan.buf(cpu);
    if (buf === null || !this.chan.onList) return 'ENOENT';
    return this.openBuf(buf);
  }

  /** Opens a buffer's file directly (the file of a buffer just created). */
  openBuf(buf: RchanBuf): OpenFile {
    let fd = FIRST_FD;
    while (this.fds.has(fd)) fd++;
    const open: OpenFile = { file: relayFileOpen(buf), fd, fdOpen: true, holders: 1 };
    this.fds.set(fd, open);
    this.fdCpus.set(fd, buf.cpu);
    return open;
  }

  get(fd: number): OpenFile | 'EBADF' {
    return this.fds.get(fd) ?? 'EBADF';
  }

  /** close(2): the fd goes; the file is released when no mapping holds it either. */
  close(fd: number): OpenFile | 'EBADF' {
    const open = this.fds.get(fd);
    if (open === undefined) return 'EBADF';
    this.fds.delete(fd);
    open.fdOpen = false;
    this.drop(open);
    return open;
  }

  /** lseek(2): EBADF for a bad fd, else relay's ESPIPE. */
  lseek(fd: number): FileErrno {
    return this.fds.has(fd) ? relayFileLlseek() : 'EBADF';
  }

  /** mmap(2) of `length` bytes of the fd's file. */
  mmap(fd: number, length: number): Mapping | FileErrno {
    const open = this.fds.get(fd);
    if (open === undefined) return 'EBADF';
    const id = this.nextMap;
    const map = relayFileMmap(open.file, length, id);
    if (typeof map === 'string') return map;
    this.nextMap += 1;
    open.holders += 1;
    const mapping: Mapping = { id, open, map };
    this.maps.set(id, mapping);
    this.mapCpus.set(id, open.file.buf.cpu);
    return mapping;
  }

  mapping(id: number): Mapping | 'EINVAL' {
    return this.maps.get(id) ?? 'EINVAL';
  }

  /** munmap(2) of a whole mapping; the file goes with it if nothing else holds it. */
  munmap(id: number): Mapping | 'EINVAL' {
    const mapping = this.maps.get(id);
    if (mapping === undefined) return 'EINVAL';
    this.maps.delete(id);
    this.drop(mapping.open);
    return mapping;
  }

  /** The CPU of the file an fd is (or, once closed, was last) open on; -1 for an fd never opened. */
  cpuOfFd(fd: number): number {
    return this.fdCpus.get(fd) ?? -1;
  }

  /** The CPU of the file a mapping maps (or mapped); -1 for a mapping never made. */
  cpuOfMap(id: number): number {
    return this.mapCpus.get(id) ?? -1;
  }

  /** Open fds, lowest first. */
  openFds(): OpenFile[] {
    return [...this.fds.values()].sort((a, b) => a.fd - b.fd);
  }

  /** Live mappings, oldest first. */
  mappings(): Mapping[] {
    return [...this.maps.values()];
  }

  private drop(open: OpenFile): void {
    open.holders -= 1;
    if (open.holders === 0) relayFileRelease(open.file);
  }
}
