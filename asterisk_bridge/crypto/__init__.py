"""At-rest encryption of recordings and voicemail: a chunked STREAM format, per-file wrapped keys.

The format is specified, with test vectors, in ``docs/recording-format.md``.
"""
