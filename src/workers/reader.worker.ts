/** A reader worker: reads one or more buffers, sleeping in poll when there is nothing. */
import { serve } from './serve.ts';

serve(self as unknown as Parameters<typeof serve>[0], 'reader');
