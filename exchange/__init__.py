"""The message log and its machinery: inbox (stored before ack), outbox (sent with retry), sync runs."""
