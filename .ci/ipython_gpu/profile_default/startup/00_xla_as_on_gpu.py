# Loaded by every notebook kernel that .ci/run-xla starts (IPYTHONDIR=.ci/ipython_gpu).
# On a GPU, Keras 3 compiles fit/evaluate/predict with XLA (jit_compile="auto") when every layer allows
# it; on a CPU it never does. Resolve "auto" as on a GPU, so code that XLA cannot compile (e.g. string
# ops inside a model) fails here too, without a GPU.
from keras.src.trainers import trainer as _trainer


def _resolve_auto_jit_compile(self):
    return not self._distribute_strategy and _trainer.model_supports_jit(self)


_trainer.Trainer._resolve_auto_jit_compile = _resolve_auto_jit_compile
