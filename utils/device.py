"""Device detection and reproducible setup: the one call at the top of every notebook."""

from __future__ import annotations

import os
import platform
import sys
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import config

NO_GPU_HELP = (
    "No se ha encontrado ninguna GPU: el cuaderno funcionará en la CPU, pero el modo completo "
    "será lento. En Colab: menú «Entorno de ejecución» → «Cambiar tipo de entorno de ejecución» "
    "→ «GPU T4» y vuelve a ejecutar el cuaderno. En Kaggle: «Settings» → «Accelerator» → «GPU T4 x2». "
    "Sin GPU, el modo rápido (MODO = \"rápido\") ejecuta el mismo código en pocos minutos."
)
#: Why TensorFlow sees no GPU on some systems, and what works there instead.
PLATFORM_HELP = {
    "Windows": (
        "En Windows, TensorFlow (desde la versión 2.11) solo usa la CPU. Para usar una GPU NVIDIA, "
        "instala el curso dentro de WSL2 (Ubuntu) o usa Colab/Kaggle. Los modelos de TF Hub con "
        "operaciones de texto (cuaderno 09, § TF Hub) no funcionan en Windows: tensorflow-text no "
        "existe para Windows y esa celda lo dice y sigue."
    ),
    "Darwin": (
        "En un Mac, TensorFlow usa la CPU (también en Apple Silicon): el modo rápido funciona bien; "
        "para el modo completo usa Colab o Kaggle."
    ),
}
TPU_HELP = (
    "Este entorno tiene una TPU, pero el curso está escrito para GPU o CPU con TensorFlow: se "
    "ejecuta en la CPU. En Colab elige «Cambiar tipo de entorno de ejecución» → «GPU T4»."
)
#: What each mode costs, said by setup() (fast mode measured on 2 CPU cores; full mode estimated).
MODE_TIME = {
    True: "de unos segundos a unos 4 min por cuaderno en 2 núcleos de CPU (medido)",
    False: "previsto 10–15 min por cuaderno en una GPU T4 (estimación, sin medir en GPU); horas en CPU",
}


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
    mode_reason: str = ""
    strategy: object = None  # tf.distribute.Strategy: build and compile models under strategy.scope()
    details: dict = field(default_factory=dict)

    @property
    def replicas(self) -> int:
        """How many copies of the model train in parallel (one per GPU or TPU core)."""
        return int(self.strategy.num_replicas_in_sync) if self.strategy is not None else 1

    def global_batch_size(self, per_replica: int) -> int:
        """Batch size that ``fit`` receives: ``per_replica`` examples for each replica."""
        return int(per_replica) * self.replicas

    @property
    def verbose(self) -> int:
        """Keras ``verbose=`` for this mode: progress bars in full mode, silence in fast mode."""
        return 0 if self.fast else 1

    @property
    def has_gpu(self) -> bool:
        return self.device == "GPU"


def in_colab() -> bool:
    """True when running inside Google Colab."""
    return "google.colab" in sys.modules or "COLAB_RELEASE_TAG" in os.environ


def in_kaggle() -> bool:
    """True when running in a Kaggle notebook."""
    return "KAGGLE_KERNEL_RUN_TYPE" in os.environ or os.path.isdir("/kaggle/working")


def set_seed(seed: int = config.SEED) -> None:
    """Seed Python, NumPy and TensorFlow/Keras in one place (``keras.utils.set_random_seed`` does all three)."""
    import keras

    os.environ["PYTHONHASHSEED"] = str(seed)  # for processes started from here
    keras.utils.set_random_seed(seed)


def _gpu_details(tf, gpu) -> tuple[str, float | None]:
    try:
        details = tf.config.experimental.get_device_details(gpu)
    except Exception:  # pragma: no cover - depends on the driver
        details = {}
    name = details.get("device_name", gpu.name)
    memory = None
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


def tpu_present() -> bool:
    """True on a TPU machine (a Colab/Kaggle TPU VM has ``/dev/accel*`` or ``/dev/vfio``)."""
    import glob

    return bool(os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
                or os.environ.get("TPU_ACCELERATOR_TYPE") or glob.glob("/dev/accel[0-9]*"))


def choose_strategy(devices=None, tpu: bool = False):
    """``(strategy, description)``: how ``fit`` spreads over the accelerators.

    ``MirroredStrategy`` for more than one GPU (``devices``: their names, or logical CPUs in
    the tests), ``TPUStrategy`` on a TPU machine whose TensorFlow supports TPUs, and the
    default (one device) strategy otherwise.
    """
    import tensorflow as tf

    devices = list(devices or [])
    if len(devices) > 1:
        return tf.distribute.MirroredStrategy(devices), f"MirroredStrategy, {len(devices)} réplicas"
    if tpu:
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="local")
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
            strategy = tf.distribute.TPUStrategy(resolver)
            return strategy, f"TPUStrategy, {strategy.num_replicas_in_sync} núcleos"
        except Exception as error:  # TensorFlow without TPU support (the usual case)
            return tf.distribute.get_strategy(), f"un solo dispositivo (TPU no utilizable: {type(error).__name__})"
    return tf.distribute.get_strategy(), "un solo dispositivo"


def setup(
    seed: int = config.SEED,
    mode: str = "auto",
    mixed_precision: bool = False,
    require_gpu: bool = False,
    verbose: bool = True,
) -> DeviceInfo:
    """Detect the device, enable GPU memory growth, set every seed and print a summary.

    Args:
        seed: seed for Python, NumPy and TensorFlow/Keras (``COURSE_SEED`` in the environment
            replaces it, see :mod:`utils.config`).
        mode: ``"auto"`` (full with a GPU, fast without, unless ``COURSE_FAST`` says otherwise),
            ``"rápido"`` or ``"completo"`` (the setup cell's ``MODO`` field).
        mixed_precision: use ``mixed_float16`` (only on a GPU; ignored with a warning on CPU).
        require_gpu: raise :class:`DeviceError` when there is no GPU.
        verbose: print the Spanish summary.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"La semilla debe ser un entero no negativo (recibido: {seed!r}).")
    if os.environ.get("COURSE_SEED"):  # the tests' second seed replaces the notebook's
        seed = int(os.environ["COURSE_SEED"])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: memory growth cannot change any more
            pass
    fast = config.set_mode(mode, has_gpu=bool(gpus))
    tpu = not gpus and tpu_present()
    strategy, strategy_text = choose_strategy([f"/gpu:{i}" for i in range(len(gpus))], tpu)
    tpu_usable = tpu and strategy.num_replicas_in_sync > 1
    if gpus:
        device = "GPU"
        name, memory = _gpu_details(tf, gpus[0])
    elif tpu_usable:
        device, name, memory = "TPU", f"TPU, {strategy.num_replicas_in_sync} núcleos", None
    elif tpu:
        device, name, memory = "CPU", "CPU; hay una TPU que este TensorFlow no puede usar", None
        if require_gpu:
            raise DeviceError(TPU_HELP)
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
        fast=fast, seed=int(seed), mixed_precision=use_mp, mode_reason=config.mode_reason(),
        strategy=strategy, details={"strategy": strategy_text, "cpu_cores": os.cpu_count(), "system": platform.system(),
                 "runtime": "Kaggle" if in_kaggle() else "local"},
    )
    if verbose:
        print(summary(info))
        if mixed_precision and not gpus:
            print("Aviso: la precisión mixta solo acelera en GPU; se usa float32.")
        if tpu and not tpu_usable:
            print("Aviso: " + TPU_HELP)
        elif device == "CPU":
            print("Aviso: " + PLATFORM_HELP.get(platform.system(), NO_GPU_HELP))
    return info


def summary(info: DeviceInfo) -> str:
    """Short Spanish description of a :class:`DeviceInfo`."""
    memory = f", {info.memory_gb:.1f} GB" if info.memory_gb else ""
    where = "Google Colab" if info.colab else info.details.get("runtime", "local")
    mode = "rápido" if info.fast else "completo"
    lines = [
        f"Dispositivo: {info.device} ({info.name}{memory})"
        + (f" ×{info.num_gpus}" if info.num_gpus > 1 else ""),
        f"TensorFlow {info.tensorflow} · Keras {info.keras} · entorno {where}"
        f" · {info.details.get('cpu_cores', '?')} núcleos de CPU",
        f"Modo {mode} ({info.mode_reason or config.mode_reason()}): {MODE_TIME[info.fast]}"
        + f" · semilla {info.seed}" + (" · precisión mixta" if info.mixed_precision else ""),
    ]
    if info.replicas > 1:
        lines.append(f"Distribución: {info.details.get('strategy')}; lote global = lote por réplica × "
                     f"{info.replicas} (info.global_batch_size)")
    return "\n".join(lines)
