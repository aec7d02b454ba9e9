"""Agents: queue members logging in and out, pausing, and the queue calls they are offered,
answer or miss; read from Asterisk's queue_log (the durable source) into the store."""
