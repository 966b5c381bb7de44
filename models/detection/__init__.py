"""Problem detection (问题发现): frames → signals → observations → problems → cases.

Layout: :mod:`.types` (problem types as data, resolver by code or Chinese name), :mod:`.zones` (zone
masks and overrides), :mod:`.background` (background model for low sample rates), the signal plugins
(:mod:`.stationary`, :mod:`.crowd`, :mod:`.onnx_detector`, registered in :mod:`.plugins`),
:mod:`.classify` (documented rules: zone kind + features → type), :mod:`.problems` (dwell, confirmation,
de-dup), :mod:`.pipeline` (one camera), :mod:`.sinks` (where raised problems go: the case workflow or
memory), :mod:`.evidence` (evidence JPEGs by hash) and :mod:`.service` (the running threads).
"""
