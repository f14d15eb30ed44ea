"""Frames and files in and out: cameras and videos, the annotated video, recording dates."""
