// API CONTRACT — implementation in progress (model-file helper replaces this file).
