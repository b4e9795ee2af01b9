# Loaded by every notebook kernel that .ci/run-xla starts (IPYTHONDIR=.ci/ipython_gpu).
# On a GPU, Keras 3 compiles fit/evaluate/predict with XLA (jit_compile="auto") when every layer allows
# it; on a CPU it never does. Resolve "auto" as on a GPU, so code that XLA cannot compile (e.g. string
# ops inside a model) fails here too, without a GPU.
from utils.keras_internals import resolve_auto_jit_as_on_gpu

resolve_auto_jit_as_on_gpu()
