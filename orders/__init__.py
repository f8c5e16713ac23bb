"""Purchase orders and sales orders: lines, delivery batches, confirmations, deviations, receiving."""
