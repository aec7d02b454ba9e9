"""Voicemail transcription: off by default; Google Cloud Speech-to-Text or an offline engine.

``settings`` stores the choice (the Google service-account file sealed by the master key),
``google`` and ``offline`` are the engines, ``worker`` transcribes pending messages with retries.
"""
