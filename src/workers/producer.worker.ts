/** A producer worker: writes for one or more CPUs, each CPU's buffer from this thread only. */
import { serve } from './serve.ts';

serve(self as unknown as Parameters<typeof serve>[0], 'producer');
