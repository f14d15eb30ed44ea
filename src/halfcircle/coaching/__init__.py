"""Reps, scores, cues and the program: state machines and rules over trunk angles."""
