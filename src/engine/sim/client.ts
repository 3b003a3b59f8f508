/**
 * The relay client: the callbacks a kernel module passes to relay_open. relayscope's client
 * chooses the sub-buffer policy (no-overwrite, or overwrite as a flight recorder), may reserve
 * a header at the start of every sub-buffer it accepts, and may ask for one global buffer.
 */
import { relayBufFull, subbufStartReserve, type RchanBuf, type RchanCallbacks } from '../kernel/index.ts';
import { HEADER_BYTE } from './payload.ts';

export const RELAY_MODES = ['no-overwrite', 'overwrite'] as const;
export type RelayMode = (typeof RELAY_MODES)[number];

export const isRelayMode = (mode: string): mode is RelayMode => (RELAY_MODES as readonly string[]).includes(mode);

export interface ClientOptions {
  mode: RelayMode;
  /** Header bytes reserved in every accepted sub-buffer (0 for none). */
  headerReserve: number;
  global: boolean;
}

/**
 * Why the client cannot use these options, or null. A header of sbs-1 bytes or more would hit
 * the kernel's BUG_ON in subbuf_start_reserve.
 */
export function clientOptionsError(o: { headerReserve: number; subbufSize: number }): string | null {
  if (o.headerReserve < 0) return 'headerReserve must not be negative';
  if (o.headerReserve !== 0 && o.headerReserve >= o.subbufSize - 1)
    return `headerReserve ${o.headerReserve} must be below subbuf_size - 1 (${o.subbufSize - 1}): subbuf_start_reserve would hit BUG_ON`;
  return null;
}

/**
 * The callbacks. The plain no-overwrite client has no subbuf_start at all, so relay's default
 * policy decides, as for blktrace since v6.17.
 */
export function relayClient(o: ClientOptions): RchanCallbacks {
  const { mode, headerReserve, global } = o;
  if (mode === 'no-overwrite' && headerReserve === 0) return { isGlobal: global };
  return {
    isGlobal: global,
    subbufStart(buf: RchanBuf, subbuf: number): boolean {
      if (mode === 'no-overwrite' && relayBufFull(buf)) return false;
      if (headerReserve > 0) {
        const start = subbuf * buf.subbufSize;
        buf.data.fill(HEADER_BYTE, start, start + headerReserve);
        subbufStartReserve(buf, headerReserve);
      }
      return true;
    },
  };
}
