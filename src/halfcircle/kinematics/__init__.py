"""Trunk angles from pose landmarks: calibration, filters, geometry, views, smoothness."""

from halfcircle.kinematics.angles import trunk_angles
from halfcircle.kinematics.measure import (
    CHANNELS,
    AngleSample,
    KinematicsConfig,
    KinematicsSeries,
    StreamingKinematics,
    compute_kinematics,
    stream_kinematics,
)

__all__ = [
    "CHANNELS",
    "AngleSample",
    "KinematicsConfig",
    "KinematicsSeries",
    "StreamingKinematics",
    "compute_kinematics",
    "stream_kinematics",
    "trunk_angles",
]
