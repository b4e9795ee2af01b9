# Configuración (idéntica en todos los cuadernos; la escribe .ci/publish.py)
MODO = "auto"  # @param ["auto", "rápido", "completo"]
REPO, VERSION = "@REPO@", "@VERSION@"  # dónde vive el curso y qué versión instala

import importlib, subprocess, sys
from importlib import metadata
from pathlib import Path


def version_de(paquete):
    try:
        return metadata.version(paquete)
    except metadata.PackageNotFoundError:
        return None


raiz = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "utils" / "config.py").is_file()), None)
if raiz:  # dentro de una copia del curso: se usa tal cual, sin instalar nada
    sys.path.insert(0, str(raiz))
elif version_de("@DISTRIBUTION@") != VERSION:  # cuaderno suelto (Colab, Kaggle…): se instala el curso
    if not version_de("tensorflow"):
        raise SystemExit(
            "Este entorno no tiene TensorFlow, y el curso lo necesita. En Colab, el entorno TPU solo trae "
            "JAX: elige «Entorno de ejecución → Cambiar tipo de entorno de ejecución → GPU T4» (o CPU). "
            "En tu ordenador, instala el curso como dice su README (instala TensorFlow)."
        )
    fuente = f"https://github.com/{REPO}/archive/refs/tags/v{VERSION}.zip"
    # Lo que el entorno ya trae se queda como está (no se cambia su TensorFlow ni su Keras).
    fijos = [f"{p}=={version_de(p)}" for p in ("tensorflow", "keras", "tf-keras", "tensorflow-text", "keras-hub")
             if version_de(p)]
    print(f"Instalando el curso v{VERSION} desde {fuente}…")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--retries", "2", fuente, *fijos],
                         capture_output=True, text=True)
    if pip.returncode:
        raise SystemExit(
            f"No se ha podido instalar el curso desde {fuente}.\nLo que dice pip:\n{pip.stderr.strip()[-1500:]}\n"
            "Qué hacer: comprueba que hay internet (en Kaggle: «Settings» → «Internet» activado) y vuelve a "
            "ejecutar la celda. Si sigue fallando, descarga el curso y abre el cuaderno desde su carpeta notebooks/."
        )
    importlib.invalidate_caches()

from utils import pick, setup

info = setup(seed=42, mode=MODO)
FAST, VERBOSE = info.fast, info.verbose  # modo elegido; barras de progreso solo en modo completo
