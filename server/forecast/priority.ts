// Fits are background work: the event loop, DuckDB's threads and the ingest should win the CPU over
// them. On Linux a thread's nice value is its own, so each fit worker lowers its own priority only
// (on other systems it would lower the whole process, so there it does not).
export const NICE_FITS = process.platform === 'linux';
export const WORKER_NICE = 10;
