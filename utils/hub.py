"""TensorFlow Hub models inside Keras 3 models.

``tensorflow_hub.KerasLayer`` is a Keras 2 (tf-keras) layer: a Keras 3 model rejects it, and a
plain wrapper that calls the SavedModel does not expose its variables, so ``fit`` would never
train them. :class:`HubLayer` loads the SavedModel and tracks each of its variables as a
Keras 3 weight that shares the same storage: ``trainable=True`` really fine-tunes the model.
:func:`build_text_classifier` is TF Hub's BERT recipe (text → preprocessing → encoder → head) with it.
"""

from __future__ import annotations

import os
import platform

import keras

from . import errors
from .data import CourseDataError
from .keras_internals import track_variable


def load_hub_module(handle: str):
    """``hub.load(handle)`` (TF Hub/Kaggle URL or local SavedModel folder) with a Spanish error."""
    import tensorflow_hub as hub

    try:  # registers the ops of TF Hub's BERT preprocessing models (CaseFoldUTF8, WordpieceTokenize…)
        import tensorflow_text  # noqa: F401
    except ImportError:
        pass
    if not isinstance(handle, str) or not handle:
        raise ValueError(f"handle debe ser la dirección de un modelo de TF Hub o una carpeta; llegó {handle!r}.")
    try:
        return hub.load(handle)
    except Exception as error:
        if "Op type not registered" in str(error):
            import tensorflow as tf

            version = ".".join(tf.__version__.split(".")[:2])
            todo = (
                "tensorflow-text no existe para Windows: esta celda solo funciona en Colab, Kaggle, Linux, "
                "macOS o WSL2; el resto del cuaderno sigue sin ella."
                if platform.system() == "Windows" else
                "instala TensorFlow Text de la misma versión que TensorFlow "
                f"(pip install \"tensorflow-text~={version}.0\") y reinicia el entorno."
            )
            raise CourseDataError(
                f"El modelo de TF Hub «{handle}» usa operaciones que esta instalación de TensorFlow no tiene.\n"
                f"Causa: {str(error).splitlines()[0][:300]}\nQué hacer: {todo}"
            ) from error
        local = "://" not in handle
        todo = (f"comprueba que {handle} es una carpeta SavedModel completa." if local and not errors.is_network(error)
                else errors.explain(error, host="tfhub.dev / www.kaggle.com", source=handle,
                                    path=os.environ.get("TFHUB_CACHE_DIR")))
        raise CourseDataError(
            f"No se ha podido cargar el modelo de TF Hub «{handle}».\n"
            f"Causa: {type(error).__name__}: {str(error)[:300]}\n"
            f"Qué hacer: {todo} (se descarga una vez a la caché de TF Hub, TFHUB_CACHE_DIR; también puedes "
            "pasar la ruta de una carpeta SavedModel ya descargada)."
        ) from error


def _accepts_training(fn) -> bool:
    try:
        for concrete in fn.concrete_functions:
            args, kwargs = concrete.structured_input_signature
            if "training" in kwargs or len(args) > 1:
                return True
    except (AttributeError, TypeError, ValueError):
        pass
    return False


class HubLayer(keras.layers.Layer):
    """A TF Hub SavedModel as a Keras 3 layer whose variables Keras can train.

    Args:
        handle: TF Hub / Kaggle Models address, or a local SavedModel folder.
        trainable: fine-tune the model's own trainable variables (default: frozen).
        output_key: for models that return a dict, the entry to return (e.g. ``"pooled_output"``).
        signature: call this signature (e.g. ``"serving_default"``) instead of ``__call__``.
        arguments: extra keyword arguments for every call.

    >>> layer = HubLayer("https://tfhub.dev/google/nnlm-es-dim50/2")
    >>> model = keras.Sequential([keras.Input((), dtype="string"), layer, keras.layers.Dense(1)])
    """

    def __init__(self, handle, trainable=False, output_key=None, signature=None, arguments=None,
                 module=None, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        self.handle = handle
        self.output_key = output_key
        self.signature = signature
        self.arguments = dict(arguments or {})
        self._module = module if module is not None else load_hub_module(handle)
        if signature:
            signatures = getattr(self._module, "signatures", {})
            if signature not in signatures:
                raise ValueError(f"El modelo no tiene la firma «{signature}»; tiene {list(signatures)}.")
            self._fn = signatures[signature]
        elif callable(self._module):
            self._fn = self._module
        else:
            raise ValueError(f"El modelo «{handle}» no es invocable: indica signature=.")
        self._pass_training = not signature and _accepts_training(getattr(self._module, "__call__", None))
        variables, trainable = _module_variables(self._module, self._fn if signature else self._module.__call__)
        trainable_ids = {id(v) for v in trainable}
        self._hub_variables = variables
        for v in self._hub_variables:
            # keras.Variable(initializer=<tf.Variable>) wraps the same storage (no copy).
            track_variable(self, keras.Variable(
                initializer=v, trainable=id(v) in trainable_ids, dtype=v.dtype, shape=v.shape,
                name=v.name.split(":")[0].replace("/", "_"),
            ))
        # On a GPU, Keras compiles with XLA (jit_compile="auto") when every layer allows it; a SavedModel
        # may hold ops XLA cannot compile (the string ops of text models), so this layer opts out.
        self.supports_jit = False
        self.built = True

    def call(self, inputs, training=None):
        kwargs = dict(self.arguments)
        if self._pass_training and training is not None:
            kwargs["training"] = bool(training) and self.trainable
        outputs = self._fn(inputs, **kwargs) if not self.signature else self._fn(**_as_kwargs(inputs), **kwargs)
        if self.output_key is not None:
            if not isinstance(outputs, dict) or self.output_key not in outputs:
                keys = list(outputs) if isinstance(outputs, dict) else "ninguna (no es un diccionario)"
                raise ValueError(f"La salida no tiene la clave «{self.output_key}»; claves: {keys}.")
            return outputs[self.output_key]
        return outputs

    def get_config(self):
        config = super().get_config()
        config.update(handle=self.handle, output_key=self.output_key, signature=self.signature,
                      arguments=self.arguments)
        return config


def build_text_classifier(preprocess: str, encoder: str, num_classes: int = 2, trainable: bool = True,
                          output_key: str = "pooled_output", dropout: float = 0.1) -> keras.Model:
    """Text classifier from a TF Hub BERT: strings → ``preprocess`` → ``encoder`` → dropout → logits.

    Args:
        preprocess: handle of the preprocessing model (text → ``input_word_ids``, ``input_mask``,
            ``input_type_ids``), e.g. ``https://tfhub.dev/tensorflow/bert_en_uncased_preprocess/3``.
        encoder: handle of the encoder that takes those three inputs.
        trainable: fine-tune the encoder (``False``: frozen feature extractor).
        output_key: the encoder output to classify (``"pooled_output"``: the [CLS] vector).

    Returns an uncompiled ``keras.Model`` with a string input and ``num_classes`` logits; its layers
    are named ``preprocesado`` and ``codificador``.
    """
    if int(num_classes) < 2:
        raise ValueError(f"num_classes debe ser 2 o más (una salida por clase); llegó {num_classes}.")
    text = keras.Input(shape=(), dtype="string", name="texto")
    encoder_inputs = HubLayer(preprocess, name="preprocesado")(text)
    features = HubLayer(encoder, trainable=trainable, output_key=output_key, name="codificador")(encoder_inputs)
    features = keras.layers.Dropout(dropout, name="dropout")(features)
    logits = keras.layers.Dense(int(num_classes), dtype="float32", name="logits")(features)
    return keras.Model(text, logits, name="bert_tf_hub")


def _module_variables(module, fn):
    """(all variables, trainable variables) of a loaded SavedModel.

    Hub models that follow the Reusable SavedModel API list them in ``.variables`` and
    ``.trainable_variables``; for other SavedModels they are read from the traced functions.
    """
    if hasattr(module, "variables") and not callable(module.variables):
        return list(module.variables), list(getattr(module, "trainable_variables", []))
    seen, variables, trainable = set(), [], []
    for concrete in getattr(fn, "concrete_functions", None) or [fn]:
        for v in getattr(concrete, "variables", []):
            if id(v) not in seen:
                seen.add(id(v))
                variables.append(v)
                if v.trainable:
                    trainable.append(v)
    return variables, trainable


def _as_kwargs(inputs):
    if isinstance(inputs, dict):
        return inputs
    raise ValueError("Con signature= las entradas deben ser un diccionario {nombre: tensor}.")
