/** Errors the user caused: printed as one line, exit status 2, never a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `usage: relayscope <command> [options]

commands:
  trace [--canonical] FILE...   run scenario files (the conformance format) through the engine;
                                prints a JSON trace, or with --canonical the canonical lines
                                (several files: each preceded by "== FILE")
  simulate (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]
           [--workload-csv FILE] [--trace-out FILE]
           [--workload-blktrace DIR [--blktrace-device NAME]] [--blktrace-out DIR]
                                run producers and readers in virtual time and report
                                per-CPU counters, loss by cause, wakeups, reader lag, memory;
                                --workload-csv replays recorded records (timestamp, cpu, size);
                                --trace-out writes the run as a Chrome trace (Perfetto UI);
                                --workload-blktrace replays a blktrace capture (<dev>.blktrace.<cpu>);
                                --blktrace-out writes what blktrace's readers read, for blkparse
  sweep (--config FILE | --preset NAME) [--seconds S] [--seed N] [--json]
        [--subbuf-sizes LIST] [--n-subbufs LIST] [--periods LIST] [--workload-csv FILE]
        [--workload-blktrace DIR [--blktrace-device NAME]]
                                simulate every subbuf_size x n_subbufs of a grid (powers of
                                two around the configuration's by default) and recommend the
                                loss-free one with the least memory
  stress [--records N]          4 producer and 4 reader threads race over shared memory in
                                both modes; every record must be accounted for
  bench [--json]                measure relay_write throughput against a bare copy loop
  help                          show this text`;
