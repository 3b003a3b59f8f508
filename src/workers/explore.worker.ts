/** The explore worker: sizing sweeps, A/B comparisons and Chrome traces, one job at a time. */
import { serveExplore } from './exploreServe.ts';

serveExplore(self as unknown as Parameters<typeof serveExplore>[0]);
