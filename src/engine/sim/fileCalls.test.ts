import { describe, expect, it } from 'vitest';
import { relayClose, relayWrite, type Rchan } from '../kernel/index.ts';
import { performFileAction, type FileAction, type FileResult } from './fileCalls.ts';
import { FileTable } from './files.ts';
import { parseSimConfig } from './simConfig.ts';
import { openSimChannel } from './simChannel.ts';

/** One CPU's channel of 3 sub-buffers of 3000 bytes (alloc_size 12288: 3 pages, 3000 unused). */
function channel(kernel = 'v6.17', cpus = 1): Rchan {
  const config = parseSimConfig({ channel: { cpus, subbufSize: 3000, nSubbufs: 3, kernel } });
  return openSimChannel(config, (n) => new ArrayBuffer(n)).chan;
}

function session(chan: Rchan) {
  const files = new FileTable(chan);
  return (action: FileAction): FileResult => performFileAction(files, chan, action, 0);
}

describe('file actions on a relay channel', () => {
  it('open gives fd 3 and a reference, read returns what is there, close drops it, and the fd is then EBADF', () => {
    const chan = channel();
    const act = session(chan);
    const buf = chan.buf(0)!;
    relayWrite(buf, new Uint8Array(100));
    expect(act({ op: 'open', cpu: 0 })).toMatchObject({ call: 'open("/sys/kernel/debug/relayscope/relay0", O_RDONLY)', ret: '3 (kref 2)', fd: 3, errno: null });
    expect(act({ op: 'read', fd: 3, count: 64 })).toMatchObject({ call: 'read(3, buf, 64)', ret: '64 from [0, 64)', errno: null });
    expect(act({ op: 'read', fd: 3, count: 4096 }).ret).toBe('36 from [64, 100)');
    expect(act({ op: 'close', fd: 3 })).toMatchObject({ ret: '0', errno: null });
    expect(buf.kref).toBe(1);
    for (const action of [{ op: 'read', fd: 3, count: 8 }, { op: 'close', fd: 3 }, { op: 'poll', fd: 3 }, { op: 'lseek', fd: 3, offset: 0 }] as FileAction[])
      expect(act(action)).toMatchObject({ ret: '-1 EBADF', errno: 'EBADF' });
  });

  it('lseek is ESPIPE, poll says what it sees, and neither changes anything', () => {
    const chan = channel();
    const act = session(chan);
    act({ op: 'open', cpu: 0 });
    expect(act({ op: 'lseek', fd: 3, offset: 100 })).toMatchObject({ call: 'lseek(3, 100, SEEK_SET)', ret: '-1 ESPIPE', errno: 'ESPIPE', cpu: 0 });
    expect(act({ op: 'poll', fd: 3 }).ret).toMatch(/^0: nothing produced yet/);
    relayWrite(chan.buf(0)!, new Uint8Array(2000));
    relayWrite(chan.buf(0)!, new Uint8Array(2000));
    expect(act({ op: 'poll', fd: 3 }).ret).toMatch(/^POLLIN\|POLLRDNORM/);
    relayClose(chan);
    expect(act({ op: 'poll', fd: 3 }).ret).toMatch(/^POLLERR/);
  });

  it('sendfile is EINVAL on v6.17 and sends whole produced sub-buffers on v6.7', () => {
    for (const kernel of ['v6.17', 'v6.7']) {
      const chan = channel(kernel);
      const act = session(chan);
      act({ op: 'open', cpu: 0 });
      relayWrite(chan.buf(0)!, new Uint8Array(2000));
      relayWrite(chan.buf(0)!, new Uint8Array(2000));
      expect(act({ op: 'sendfile', fd: 3, count: 4096 }).ret).toBe(kernel === 'v6.17' ? '-1 EINVAL' : '2000 from [0, 2000)');
    }
  });

  it('mmap takes only alloc_size; a touch faults each page once; munmap and close then free after relay_close', () => {
    const chan = channel();
    const act = session(chan);
    act({ op: 'open', cpu: 0 });
    expect(act({ op: 'mmap', fd: 3, length: 9000 })).toMatchObject({ ret: '-1 EINVAL', errno: 'EINVAL' });
    expect(act({ op: 'mmap', fd: 3, length: 12288 })).toMatchObject({ ret: 'mapping 1: 3 pages, none present until touched', map: 1 });
    expect(act({ op: 'mapread', map: 1, offset: 3000, length: 3000 })).toMatchObject({ faults: [0, 1], ret: '3000 bytes; 2 faults: page 0, 1' });
    expect(act({ op: 'mapread', map: 1, offset: 0, length: 100 }).ret).toBe('100 bytes; no fault: every page touched was present');
    expect(act({ op: 'mapread', map: 1, offset: 12000, length: 1000 })).toMatchObject({ errno: 'SIGSEGV' });
    expect(act({ op: 'close', fd: 3 }).ret).toBe('0; a mapping still holds the file (kref 2)');
    relayClose(chan);
    expect(chan.buf(0)).not.toBeNull();
    expect(act({ op: 'open', cpu: 0 })).toMatchObject({ errno: 'ENOENT' });
    expect(act({ op: 'munmap', map: 1 }).ret).toBe('0');
    expect(chan.bufAt(0).freed).toBe(true);
    expect(chan.freed).toBe(true);
    expect(act({ op: 'munmap', map: 1 }).errno).toBe('EINVAL');
  });
});
