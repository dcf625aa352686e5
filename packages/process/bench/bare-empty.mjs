// Baseline worker: does nothing and exits.
