"""Device detection and reproducible setup: the one call at the top of every notebook."""

from __future__ import annotations

import os
import platform
import random
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import config

NO_GPU_HELP = (
    "No se ha encontrado ninguna GPU: el cuaderno funcionará en la CPU, pero el modo completo "
    "será lento. En Colab: menú «Entorno de ejecución» → «Cambiar tipo de entorno de ejecución» "
    "→ «GPU T4» y vuelve a ejecutar el cuaderno. En local puedes usar el modo rápido "
    "(COURSE_FAST=1)."
)


class DeviceError(RuntimeError):
    """The device asked for is not available."""


@dataclass
class DeviceInfo:
    """What :func:`setup` found."""

    device: str  # "GPU", "TPU" or "CPU"
    name: str
    memory_gb: float | None
    num_gpus: int
    tensorflow: str
    keras: str
    colab: bool
    fast: bool
    seed: int
    mixed_precision: bool
    details: dict = field(default_factory=dict)

    @property
    def has_gpu(self) -> bool:
        return self.device == "GPU"


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def set_seed(seed: int = config.SEED) -> None:
    """Seed Python, NumPy and TensorFlow/Keras in one place."""
    import keras

    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


def _gpu_details(tf, gpu) -> tuple[str, float | None]:
    try:
        details = tf.config.experimental.get_device_details(gpu)
    except Exception:  # pragma: no cover - depends on the driver
        details = {}
    name = details.get("device_name", gpu.name)
    memory = None
    try:  # pragma: no cover - needs a GPU
        info = tf.config.experimental.get_memory_info("GPU:0")
        memory = info.get("peak", 0) or None
    except Exception:
        pass
    try:  # pragma: no cover - needs a GPU
        import subprocess

        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=10,
        ).stdout.split()
        memory = float(out[0]) / 1024 if out else memory
    except Exception:
        pass
    return name, memory


def setup(
    seed: int = config.SEED,
    mixed_precision: bool = False,
    require_gpu: bool = False,
    verbose: bool = True,
) -> DeviceInfo:
    """Detect the device, enable GPU memory growth, set every seed and print a summary.

    Args:
        seed: seed for Python, NumPy and TensorFlow/Keras.
        mixed_precision: use ``mixed_float16`` (only on a GPU; ignored with a warning on CPU).
        require_gpu: raise :class:`DeviceError` when there is no GPU.
        verbose: print the Spanish summary.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"La semilla debe ser un entero no negativo (recibido: {seed!r}).")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: memory growth cannot change any more
            pass
    tpu = bool(os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME"))
    if gpus:
        device = "GPU"
        name, memory = _gpu_details(tf, gpus[0])
    elif tpu:
        device, name, memory = "TPU", "TPU", None
    else:
        device, name, memory = "CPU", platform.processor() or platform.machine(), None
        if require_gpu:
            raise DeviceError(NO_GPU_HELP)

    # Keras 3 warns on every fit() of a tf.data dataset because fit's default is shuffle=True; the
    # course's datasets are shuffled in the pipeline, so that warning is noise for students.
    warnings.filterwarnings("ignore", message="`shuffle=True` was passed, but will be ignored", category=UserWarning)
    use_mp = bool(mixed_precision and gpus)
    keras.mixed_precision.set_global_policy("mixed_float16" if use_mp else "float32")
    set_seed(int(seed))
    from .plots import use_course_style

    use_course_style()

    info = DeviceInfo(
        device=device, name=name, memory_gb=memory, num_gpus=len(gpus),
        tensorflow=tf.__version__, keras=keras.__version__, colab=in_colab(),
        fast=config.is_fast(), seed=int(seed), mixed_precision=use_mp,
        details={"cpu_cores": os.cpu_count()},
    )
    if verbose:
        print(summary(info))
        if mixed_precision and not gpus:
            print("Aviso: la precisión mixta solo acelera en GPU; se usa float32.")
        if device == "CPU":
            print("Aviso: " + NO_GPU_HELP)
    return info


def summary(info: DeviceInfo) -> str:
    """Short Spanish description of a :class:`DeviceInfo`."""
    memory = f", {info.memory_gb:.1f} GB" if info.memory_gb else ""
    where = "Google Colab" if info.colab else "local"
    mode = "rápido (COURSE_FAST=1)" if info.fast else "completo"
    lines = [
        f"Dispositivo: {info.device} ({info.name}{memory})"
        + (f" ×{info.num_gpus}" if info.num_gpus > 1 else ""),
        f"TensorFlow {info.tensorflow} · Keras {info.keras} · entorno {where}"
        f" · {info.details.get('cpu_cores', '?')} núcleos de CPU",
        f"Modo {mode} · semilla {info.seed}"
        + (" · precisión mixta" if info.mixed_precision else ""),
    ]
    return "\n".join(lines)
