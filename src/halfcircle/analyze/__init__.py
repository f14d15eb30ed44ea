"""The recorded-video use case: poses, kinematics, reps and their output files."""

from halfcircle.analyze.video import (
    FRAME_COLUMNS,
    SCHEMA_VERSION,
    SUMMARY_SCHEMA_VERSION,
    Analysis,
    analysis_status,
    analyze_poses,
    analyze_video,
    rep_dicts,
    summary_dict,
)

__all__ = [
    "FRAME_COLUMNS",
    "SCHEMA_VERSION",
    "SUMMARY_SCHEMA_VERSION",
    "Analysis",
    "analysis_status",
    "analyze_poses",
    "analyze_video",
    "rep_dicts",
    "summary_dict",
]
