"""The simulated city's scenes: static backdrops, moving actors, scripted problems (the ground truth).

``CameraScene(code, zones, ScriptParams(seed=…))`` + ``render(scene, t, w, h)`` give a frame;
``ground_truth(code, zones, t0, t1, params)`` lists the scripted problems and faults in a time range.
"""
from .render import CameraScene, render
from .script import OBJECTS, ScriptedFault, ScriptedProblem, ScriptParams, daylight, day_script, ground_truth

__all__ = ["CameraScene", "render", "OBJECTS", "ScriptedFault", "ScriptedProblem", "ScriptParams", "daylight",
           "day_script", "ground_truth"]
