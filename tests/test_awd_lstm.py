"""Tests of utils.awd_lstm (fastai's WT103 AWD-LSTM in Keras 3) and utils.fastai_tokenizer.

No PyTorch and no internet: the conversion is checked against a NumPy implementation of
PyTorch's LSTM equations fed random tensors in PyTorch's layout, and the tokenizer against
fastai's documented examples (fastai.text.core's own tests) and hand-written cases.
"""

import pickle
import sys

import keras
import numpy as np
import pytest

from utils import awd_lstm, lm, ulmfit
from utils import fastai_tokenizer as ft
from utils.data import CourseDataError

V, EMB, HID, LAYERS = 50, 8, 12, 3


# --------------------------------------------------------------------------- PyTorch reference


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def torch_lstm(x, w_ih, w_hh, b_ih, b_hh):
    """torch.nn.LSTM (one layer, batch_first, zero initial state), written from its documented equations.

    gates = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, split (i, f, g, o); c' = f c + i g; h' = o tanh(c').
    """
    batch, time, _ = x.shape
    units = w_hh.shape[1]
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    out = np.zeros((batch, time, units))
    for t in range(time):
        gates = x[:, t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = np.split(gates, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        out[:, t] = h
    return out


def fake_fastai_state_dict(seed=0, vocab=V, emb=EMB, hidden=HID, layers=LAYERS):
    """Random tensors with the names and PyTorch shapes of fastai's lstm_fwd.pth."""
    rng = np.random.default_rng(seed)
    enc = rng.uniform(-0.5, 0.5, (vocab, emb))
    sd = {"0.encoder.weight": enc, "0.encoder_dp.emb.weight": enc.copy()}
    for i, (n_in, n_out) in enumerate(awd_lstm.lstm_sizes(emb, hidden, layers)):
        p = f"0.rnns.{i}."
        sd[p + "weight_hh_l0_raw"] = rng.normal(0, 0.4, (4 * n_out, n_out))
        sd[p + "module.weight_ih_l0"] = rng.normal(0, 0.4, (4 * n_out, n_in))
        sd[p + "module.weight_hh_l0"] = np.zeros((4 * n_out, n_out))  # fastai 1.x's dropped copy: must be ignored
        sd[p + "module.bias_ih_l0"] = rng.normal(0, 0.3, 4 * n_out)
        sd[p + "module.bias_hh_l0"] = rng.normal(0, 0.3, 4 * n_out)
    sd["1.decoder.weight"] = enc.copy()
    sd["1.decoder.bias"] = rng.normal(0, 0.5, vocab)
    return {k: v.astype("float32") for k, v in sd.items()}


def reference_forward(sd, ids, layers=LAYERS, hh_key="weight_hh_l0_raw"):
    """fastai's LM at inference, in NumPy: embedding → LSTMs → tied decoder. Returns (hiddens, logits)."""
    sd = {k: v.astype("float64") for k, v in sd.items()}
    x = sd["0.encoder.weight"][ids]
    hiddens = []
    for i in range(layers):
        p = f"0.rnns.{i}."
        w_hh = sd[p + hh_key] if p + hh_key in sd else sd[p + "module.weight_hh_l0"]
        x = torch_lstm(x, sd[p + "module.weight_ih_l0"], w_hh, sd[p + "module.bias_ih_l0"], sd[p + "module.bias_hh_l0"])
        hiddens.append(x)
    return hiddens, x @ sd["1.decoder.weight"].T + sd["1.decoder.bias"]


def keras_outputs(model, ids):
    probe = keras.Model(model.input, [model.get_layer(f"lstm_{i}").output for i in range(1, LAYERS + 1)]
                        + [model.output])
    return [np.asarray(o) for o in probe(ids, training=False)]


IDS = np.array([[2, 7, 9, 12, 33, 49, 0, 5, 5, 18], [2, 3, 4, 44, 21, 8, 30, 11, 0, 17]], dtype="int32")  # no 1 = xxpad


def test_conversion_matches_pytorch_lstm_equations():
    keras.utils.set_random_seed(0)
    sd = fake_fastai_state_dict()
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS, pad_id=1)
    mapping = awd_lstm.convert_state_dict(sd, model)
    assert mapping["lstm_2/recurrent_kernel"] == "0.rnns.1.weight_hh_l0_raw" + "ᵀ"
    assert mapping["lstm_1/bias"] == "0.rnns.0.module.bias_ih_l0 + 0.rnns.0.module.bias_hh_l0"
    ref_hiddens, ref_logits = reference_forward(sd, IDS)
    *hiddens, logits = keras_outputs(model, IDS)
    for i, (h, ref) in enumerate(zip(hiddens, ref_hiddens), 1):
        np.testing.assert_allclose(h, ref, atol=1e-5, err_msg=f"lstm_{i}")
    np.testing.assert_allclose(logits, ref_logits, atol=1e-5)
    assert model.get_layer("embedding").embeddings.shape == (V, EMB)


def test_conversion_accepts_keys_without_prefixes_and_without_raw_weights():
    sd = fake_fastai_state_dict(seed=1)
    for i in range(LAYERS):  # a plain (not weight-dropped) LSTM: only module.weight_hh_l0
        sd[f"0.rnns.{i}.module.weight_hh_l0"] = sd.pop(f"0.rnns.{i}.weight_hh_l0_raw")
    stripped = {"model": {k[2:]: v for k, v in sd.items() if not k.startswith("0.encoder_dp")}}  # Learner.save format
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS)
    mapping = awd_lstm.convert_state_dict(stripped, model)
    assert mapping["lstm_1/recurrent_kernel"] == "rnns.0.module.weight_hh_l0ᵀ"
    _, ref_logits = reference_forward(sd, IDS)
    np.testing.assert_allclose(keras_outputs(model, IDS)[-1], ref_logits, atol=1e-5)


def test_padding_is_masked_like_fastai_xxpad():
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS, pad_id=1)
    awd_lstm.convert_state_dict(fake_fastai_state_dict(), model)
    clf = ulmfit.classifier_from_lm(model, num_classes=2)
    short = IDS[:1, :6]
    padded = np.concatenate([short, np.ones((1, 4), "int32")], axis=1)  # xxpad = 1 at the end
    np.testing.assert_allclose(clf(short), clf(padded), atol=1e-5)
    # the cloned classifier kept the converted weights and the layer groups of utils.ulmfit work
    enc = clf.get_layer("encoder").get_layer("embedding").embeddings
    np.testing.assert_allclose(np.asarray(enc), fake_fastai_state_dict()["0.encoder.weight"])
    assert [g[0].name for g in ulmfit.lm_layer_groups(model)] == ["embedding", "lstm_1", "lstm_2", "lstm_3", "lm_head"]
    assert len(ulmfit.classifier_layer_groups(clf)) == 5


def test_wrong_shape_names_the_tensor():
    sd = fake_fastai_state_dict()
    sd["0.rnns.1.module.weight_ih_l0"] = np.zeros((4 * HID, HID + 1), "float32")
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS)
    with pytest.raises(ValueError, match=r"«0\.rnns\.1\.module\.weight_ih_l0» tiene forma \(48, 13\).*«lstm_2»"):
        awd_lstm.convert_state_dict(sd, model)
    with pytest.raises(ValueError, match=r"«0\.encoder\.weight» tiene forma \(50, 8\).*espera \(60, 8\)"):
        awd_lstm.convert_state_dict(fake_fastai_state_dict(), awd_lstm.build_awd_lstm(60, EMB, HID, LAYERS))


@pytest.mark.parametrize("change, message", [
    (lambda sd: sd.pop("0.rnns.2.module.bias_hh_l0"), "sesgo recurrente de la LSTM 2"),
    (lambda sd: sd.__setitem__("1.decoder.weight", sd["1.decoder.weight"] + 1), "no es igual al embedding"),
    (lambda sd: [sd.pop(k) for k in list(sd) if k.startswith("0.rnns.2.")], "2 capas LSTM"),
])
def test_conversion_errors_are_explicit(change, message):
    sd = fake_fastai_state_dict()
    change(sd)
    with pytest.raises(ValueError, match=message):
        awd_lstm.convert_state_dict(sd, awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS))


def test_dropouts_only_in_training_and_embedding_dropout_drops_word_types():
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS, embed_dropout=0.5, input_dropout=0.2,
                                    hidden_dropout=0.2, output_dropout=0.2, seed=3)
    np.testing.assert_allclose(model(IDS), model(IDS))  # inference is deterministic
    assert not np.allclose(model(IDS, training=True), model(IDS))
    emb = model.get_layer("embedding")
    ids = np.array([[5, 5, 9, 5, 9, 12]], "int32")
    out = np.asarray(emb(ids, training=True))[0]
    dropped = np.all(out == 0, axis=-1)
    assert dropped[0] == dropped[1] == dropped[3] and dropped[2] == dropped[4]  # whole word types
    kept = ~dropped
    np.testing.assert_allclose(out[kept], 2 * np.asarray(emb.embeddings)[ids[0][kept]], rtol=1e-6)


def test_with_dropouts_keeps_weights():
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS, **awd_lstm.FASTAI_LM_DROPOUTS)
    awd_lstm.convert_state_dict(fake_fastai_state_dict(), model)
    clas = awd_lstm.with_dropouts(model, 0.5, **awd_lstm.FASTAI_CLAS_DROPOUTS)
    assert clas.get_layer("input_dropout").rate == pytest.approx(0.2)
    assert clas.get_layer("embedding").embed_dropout == pytest.approx(0.025)
    np.testing.assert_allclose(clas(IDS), model(IDS), atol=1e-6)  # same function at inference
    with pytest.raises(ValueError, match="weight_dropout"):
        awd_lstm.with_dropouts(model, weight_dropout=0.5)


def test_one_fine_tuning_step_with_the_course_tools():
    keras.utils.set_random_seed(0)
    model = awd_lstm.build_awd_lstm(V, EMB, HID, LAYERS, **awd_lstm.FASTAI_LM_DROPOUTS)
    ids = np.random.default_rng(0).integers(2, V, 400)
    ds = lm.lm_dataset(ids, seq_len=10, batch_size=8)
    groups = ulmfit.lm_layer_groups(model)
    from utils.optim import discriminative_optimizer

    model.compile(optimizer=discriminative_optimizer(groups, ulmfit.SlantedTriangular(1e-2, len(ds)), decay=2.6),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(ds, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    x, y = lm.lm_windows(ids, 10)
    assert lm.model_perplexity(model, x, y, verbose=0) < 2 * V


def test_match_embeds_keeps_known_words_and_averages_new_ones():
    sd = fake_fastai_state_dict()
    old_itos = ft.SPECIAL_TOKENS + [f"w{i}" for i in range(V - len(ft.SPECIAL_TOKENS))]
    new_itos = ft.SPECIAL_TOKENS + ["w3", "nuevo", "w0"]
    out = awd_lstm.match_embeds(sd, old_itos, new_itos)
    enc, bias = sd["0.encoder.weight"], sd["1.decoder.bias"]
    k = len(ft.SPECIAL_TOKENS)
    np.testing.assert_allclose(out["0.encoder.weight"][:k], enc[:k])
    np.testing.assert_allclose(out["0.encoder.weight"][k], enc[k + 3])
    np.testing.assert_allclose(out["0.encoder.weight"][k + 1], enc.mean(0), rtol=1e-6)
    np.testing.assert_allclose(out["1.decoder.bias"][[k, k + 1]], [bias[k + 3], bias.mean()], rtol=1e-6)
    assert sd["0.encoder.weight"].shape == (V, EMB)  # the input is not modified
    model = awd_lstm.build_awd_lstm(len(new_itos), EMB, HID, LAYERS)
    awd_lstm.convert_state_dict(out, model)  # decoder and encoder_dp copies stay tied
    with pytest.raises(ValueError, match="old_itos"):
        awd_lstm.match_embeds(sd, old_itos[:10], new_itos)


def test_make_vocab_reproduces_fastai_examples():
    tokens = [list("aaaabbccd")]  # fastai's test: Counter(['a', 'a', 'a', 'a', 'b', 'b', 'c', 'c', 'd'])
    def real(itos):
        return [t for t in itos if t != "xxfake"]
    assert real(ft.make_vocab(tokens)) == ft.SPECIAL_TOKENS + ["a"] and len(ft.make_vocab(tokens)) % 8 == 0
    assert real(ft.make_vocab(tokens, min_freq=1)) == ft.SPECIAL_TOKENS + list("abcd")
    assert real(ft.make_vocab(tokens, min_freq=1, max_vocab=12)) == ft.SPECIAL_TOKENS + list("abc")
    vocab = ft.FastaiVocab(ft.make_vocab(tokens))  # its repeated "xxfake" padding is not an error
    assert vocab.stoi["a"] == len(ft.SPECIAL_TOKENS) and "xxfake" not in vocab and len(vocab) % 8 == 0
    with pytest.raises(ValueError, match="repetidos"):
        ft.FastaiVocab(ft.SPECIAL_TOKENS + ["a", "a"])


# --------------------------------------------------------------------------- loading fastai's files


def write_fake_wt103(folder, weights=True, itos=True):
    folder.mkdir(parents=True, exist_ok=True)
    if weights:
        (folder / "lstm_fwd.pth").write_bytes(b"not read in these tests")
    if itos:
        with open(folder / "itos_wt103.pkl", "wb") as f:
            pickle.dump(["xxunk", "xxpad", "xxbos", "the", ","], f)
    return folder


def test_find_files_and_read_itos_without_torch(tmp_path):
    folder = write_fake_wt103(tmp_path / "wt103-fwd_extracted" / "wt103-fwd")  # nested, as an archive may be
    weights, itos = awd_lstm.find_wt103_files(tmp_path)
    assert weights.name == "lstm_fwd.pth" and itos.parent == folder
    assert awd_lstm.read_itos(itos)[:3] == ["xxunk", "xxpad", "xxbos"]


def test_load_wt103_model_builds_and_converts(tmp_path, monkeypatch):
    folder = tmp_path / "wt103"
    folder.mkdir()
    (folder / "lstm_fwd.pth").write_bytes(b"")
    itos = ft.SPECIAL_TOKENS + [f"w{i}" for i in range(V - len(ft.SPECIAL_TOKENS))]
    with open(folder / "itos_wt103.pkl", "wb") as f:
        pickle.dump(itos, f)
    monkeypatch.setattr(awd_lstm, "_import_torch", lambda: object())  # no torch here: stand-ins for it
    monkeypatch.setattr(awd_lstm, "read_state_dict", lambda path: fake_fastai_state_dict())
    model, loaded = awd_lstm.load_wt103_model(path=folder, **awd_lstm.FASTAI_LM_DROPOUTS)
    assert loaded == itos and model.get_layer("embedding").pad_id == 1
    assert [model.get_layer(f"lstm_{i}").units for i in (1, 2, 3)] == [HID, HID, EMB]
    np.testing.assert_allclose(keras_outputs(model, IDS)[-1], reference_forward(fake_fastai_state_dict(), IDS)[1],
                               atol=1e-5)


def test_missing_weights_file_is_named(tmp_path):
    write_fake_wt103(tmp_path, weights=False)
    with pytest.raises(CourseDataError, match="Falta lstm_fwd.pth"):
        awd_lstm.load_wt103(path=tmp_path)
    with pytest.raises(CourseDataError, match="No existe la carpeta"):
        awd_lstm.find_wt103_files(tmp_path / "nowhere")


def test_without_torch_the_error_says_why_and_nothing_is_downloaded(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(CourseDataError, match="necesita PyTorch") as error:
        awd_lstm.load_wt103(path=write_fake_wt103(tmp_path / "files"))
    assert "Colab y Kaggle" in str(error.value) and "camino de siempre" in str(error.value)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(awd_lstm, "download_wt103", lambda: pytest.fail("no debe descargar sin PyTorch"))
    with pytest.raises(CourseDataError, match="necesita PyTorch"):
        awd_lstm.load_wt103()


def test_failed_download_gives_a_spanish_error_and_leaves_no_partial_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(*args, **kwargs):
        awd_lstm.wt103_cache_folder().mkdir(parents=True)  # as an interrupted extraction would
        raise OSError("sin red")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(CourseDataError, match="wt103-fwd.tgz") as error:
        awd_lstm.download_wt103()
    assert "sin red" in str(error.value) and awd_lstm.WT103_URL in str(error.value)
    assert not awd_lstm.wt103_cache_folder().exists()


# --------------------------------------------------------------------------- fastai's archive, end to end

WT103_ITOS_HEAD = ["xxunk", "xxpad", "xxbos", "xxeos", "xxfld", "xxrep", "xxwrep", "xxup", "xxmaj", "the", ",", "."]


def fastai_lm_keys(layers=3, fastai1=True):
    """The keys of fastai's SequentialRNN(AWD_LSTM, LinearDecoder).state_dict(), in its order.

    fastai/text/models/awdlstm.py: AWD_LSTM registers encoder, encoder_dp (the same embedding), then
    rnns.{i} = WeightDropout(nn.LSTM): its own ``weight_hh_l0_raw`` first, then the LSTM's parameters
    under ``module.``; LinearDecoder adds decoder.weight (tied) and decoder.bias. fastai 1.x, which
    trained WT103, also kept ``module.weight_hh_l0`` (an undropped copy) in the LSTM's _parameters.
    """
    keys = ["0.encoder.weight", "0.encoder_dp.emb.weight"]
    for i in range(layers):
        lstm = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"] if fastai1 else \
            ["weight_ih_l0", "bias_ih_l0", "bias_hh_l0"]
        keys += [f"0.rnns.{i}.weight_hh_l0_raw"] + [f"0.rnns.{i}.module.{k}" for k in lstm]
    return keys + ["1.decoder.weight", "1.decoder.bias"]


def write_fastai_archive(tmp_path, weights: bytes | None = None, itos=None):
    """wt103-fwd.tgz as fastai's model zoo lays it out: a folder wt103-fwd with lstm_fwd.pth and itos_wt103.pkl."""
    import tarfile

    src = tmp_path / "src" / "wt103-fwd"
    src.mkdir(parents=True)
    (src / "lstm_fwd.pth").write_bytes(weights if weights is not None else b"stand-in")
    with open(src / "itos_wt103.pkl", "wb") as f:
        pickle.dump(itos or WT103_ITOS_HEAD, f)
    archive = tmp_path / "zoo" / "wt103-fwd.tgz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:  # random floats barely compress
        tar.add(src, arcname="wt103-fwd")
    return archive


def test_archive_in_fastai_layout_is_downloaded_extracted_and_found(tmp_path, monkeypatch):
    """The download path with keras.utils.get_file, without PyTorch (the .pth is not read here)."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(awd_lstm, "WT103_URL", write_fastai_archive(tmp_path).as_uri())
    assert awd_lstm.find_cached_wt103() is None
    folder = awd_lstm.download_wt103()
    assert folder == awd_lstm.wt103_cache_folder() and awd_lstm.find_cached_wt103() == folder
    weights, itos = awd_lstm.find_wt103_files(folder)
    assert (weights.parent.name, weights.name, itos.name) == ("wt103-fwd", "lstm_fwd.pth", "itos_wt103.pkl")
    assert awd_lstm.read_itos(itos) == WT103_ITOS_HEAD


def test_without_torch_load_wt103_model_says_so_in_spanish(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(CourseDataError, match="necesita PyTorch") as error:
        awd_lstm.load_wt103_model(itos=WT103_ITOS_HEAD)
    assert "camino de siempre" in str(error.value)
    assert not awd_lstm.wt103_cache_folder().exists()  # nothing was downloaded


def test_wt103_archive_with_real_shapes_loads_end_to_end(tmp_path, monkeypatch, fastai1=True):
    """A synthesized wt103-fwd.tgz (random tensors, fastai's names and WT103's real shapes), through
    get_file → torch.load → match_embeds → build_awd_lstm → convert_state_dict, against the NumPy LSTM.

    Only where PyTorch is installed (Colab, Kaggle): it writes the .pth with torch.save. About a minute
    on 2 CPU cores (177 MB of tensors). The fastai 2.x layout (no module.weight_hh_l0) is the same
    minus one key per layer, covered with small shapes by the tests above."""
    torch = pytest.importorskip("torch")
    import io

    cfg = awd_lstm.WT103_CONFIG
    vocab, emb, hid = cfg["vocab_size"], cfg["emb"], cfg["hidden"]
    gen = torch.Generator().manual_seed(0)
    enc = torch.rand(vocab, emb, generator=gen) * 0.2 - 0.1
    sd = {}
    for key in fastai_lm_keys(cfg["layers"], fastai1):
        if key.endswith("encoder.weight") or key.endswith("emb.weight") or key == "1.decoder.weight":
            sd[key] = enc  # one tensor under three names, as fastai's tied modules
        elif key == "1.decoder.bias":
            sd[key] = torch.randn(vocab, generator=gen) * 0.1
        else:
            i = int(key.split(".")[2])
            n_in, n_out = awd_lstm.lstm_sizes(emb, hid, cfg["layers"])[i]
            shape = {"weight_ih_l0": (4 * n_out, n_in), "weight_hh_l0": (4 * n_out, n_out),
                     "bias_ih_l0": (4 * n_out,), "bias_hh_l0": (4 * n_out,)}[key.rsplit(".", 1)[1].removesuffix("_raw")]
            sd[key] = torch.randn(*shape, generator=gen) * 0.05
    if fastai1:
        for i in range(cfg["layers"]):  # fastai 1.x's copy; made different here so that using it would show
            sd[f"0.rnns.{i}.module.weight_hh_l0"] = torch.zeros_like(sd[f"0.rnns.{i}.weight_hh_l0_raw"])
    buffer = io.BytesIO()
    torch.save(sd, buffer)
    itos = WT103_ITOS_HEAD + [f"w{i}" for i in range(vocab - len(WT103_ITOS_HEAD))]
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(awd_lstm, "WT103_URL", write_fastai_archive(tmp_path, buffer.getvalue(), itos).as_uri())

    task_itos = ft.SPECIAL_TOKENS + ["the", "w7", "nuevo", "w3"]  # a task vocabulary (fastai's make_vocab)
    model, out_itos = awd_lstm.load_wt103_model(itos=task_itos)
    assert out_itos == task_itos and model.get_layer("embedding").pad_id == 1
    assert [model.get_layer(f"lstm_{i}").units for i in (1, 2, 3)] == [hid, hid, emb]
    ref = {k: v.numpy().astype("float64") for k, v in sd.items()}
    rows = [itos.index(t) if t in itos else -1 for t in task_itos]
    ref_enc = np.stack([ref["0.encoder.weight"][r] if r >= 0 else ref["0.encoder.weight"].mean(0) for r in rows])
    ref_bias = np.array([ref["1.decoder.bias"][r] if r >= 0 else ref["1.decoder.bias"].mean() for r in rows])
    ids = np.array([[2, 9, 10, 11, 12, 0, 8]], "int32")
    x = ref_enc[ids]
    for i in range(cfg["layers"]):
        p = f"0.rnns.{i}."
        x = torch_lstm(x, ref[p + "module.weight_ih_l0"], ref[p + "weight_hh_l0_raw"], ref[p + "module.bias_ih_l0"],
                       ref[p + "module.bias_hh_l0"])
    np.testing.assert_allclose(np.asarray(model(ids)), x @ ref_enc.T + ref_bias, atol=1e-5)


# --------------------------------------------------------------------------- tokenizer

# fastai.text.core's own documented examples (nbs/30_text.core.ipynb)
FASTAI_RULE_EXAMPLES = [
    (ft.spec_add_spaces, "#fastai", " # fastai"),
    (ft.spec_add_spaces, "/fastai", " / fastai"),
    (ft.rm_useless_spaces, "a  b   c", "a b c"),
    (ft.replace_rep, "aa", "aa"),
    (ft.replace_rep, "aaaa", " xxrep 4 a "),
    (ft.replace_wrep, "ah ah", "ah ah"),
    (ft.replace_wrep, "ah ah ah", " xxwrep 3 ah "),
    (ft.replace_wrep, "ah ah   ah  ah", " xxwrep 4 ah "),
    (ft.replace_wrep, "ah ah ah ah.", " xxwrep 4 ah ."),
    (ft.replace_wrep, "ah ah ahi", "ah ah ahi"),
    (ft.fix_html, "#39;bli#146;", "'bli'"),
    (ft.fix_html, "Sarah amp; Duck...", "Sarah & Duck …"),
    (ft.fix_html, "a nbsp; #36;", "a   $"),
    (ft.fix_html, "<br />text\\n", "\ntext\n"),
    (ft.replace_all_caps, "I'M SHOUTING", "xxup i'm xxup shouting"),
    (ft.replace_all_caps, "I'm speaking normally", "I'm speaking normally"),
    (ft.replace_all_caps, "I am speaking normally", "i am speaking normally"),
    (ft.replace_maj, "Jeremy Howard", "xxmaj jeremy xxmaj howard"),
    (ft.replace_maj, "I don't think there is any maj here", "i don't think there is any maj here"),
]


@pytest.mark.parametrize("rule, text, expected", FASTAI_RULE_EXAMPLES)
def test_rules_reproduce_fastai_examples(rule, text, expected):
    assert rule(text) == expected


BACKENDS = ["regex", pytest.param("spacy", marks=pytest.mark.skipif(not ft.spacy_available(),
                                                                   reason="spaCy no está instalado"))]

TOKENIZED = [
    # fastai's example: tokenize1("This isn't a problem", SpacyTokenizer())
    ("This isn't a problem", "xxbos xxmaj this is n't a problem"),
    # a one-letter capital is only lower-cased (fastai: TK_UP only when len > 1)
    ("I LOVE this Movie", "xxbos i xxup love this xxmaj movie"),
    ("Wow!!!! It was very very very good.", "xxbos xxmaj wow xxrep 4 ! xxmaj it was xxwrep 3 very good ."),
    # fix_html turns "&amp;" into "&&" (it replaces "amp;" by "&"), <br /> into a newline token
    ("Tom &amp; Jerry<br />10/10 #1", "xxbos xxmaj tom & & xxmaj jerry \n 10 / 10 # 1"),
    # "I'd" is Sentence Case for replace_maj; "..." → " …"
    ('The "best" film (ever), I\'d say... don\'t miss it; it\'s great!',
     "xxbos xxmaj the \" best \" film ( ever ) , xxmaj i 'd say … do n't miss it ; it 's great !"),
    # replace_rep also rewrites the zeros of a number ("000" → xxrep 3 0), as in fastai
    ("A well-known director's 2nd film: 3.5 stars, $10,000",
     "xxbos a well - known director 's 2nd film : 3.5 stars , $ 10 , xxrep 3 0"),
    ("The movie was AWFUL!", "xxbos xxmaj the movie was xxup awful !"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, expected", TOKENIZED)
def test_tokenize_follows_fastai(text, expected, backend):
    assert ft.tokenize(text, backend=backend) == expected.split(" ")


# The fastai book, chapter 10 (fastbook 10_nlp.ipynb), prints these outputs of fastai's Tokenizer(WordTokenizer())
BOOK_STREAM = ("In this chapter, we will go back over the example of classifying movie reviews we studied in chapter 1 "
               "and dig deeper under the surface. First we will look at the processing steps necessary to convert text "
               "into numbers and how to customize it. By doing this, we'll have another example of the PreProcessor "
               "used in the data block API.\nThen we will study how we build a language model and train it for a while.")
BOOK_TOKENS = ("xxbos xxmaj in this chapter , we will go back over the example of classifying "
               "movie reviews we studied in chapter 1 and dig deeper under the surface . xxmaj "
               "first we will look at the processing steps necessary to convert text into numbers and "
               "how to customize it . xxmaj by doing this , we 'll have another example "
               "of the preprocessor used in the data block xxup api . \n xxmaj then we "
               "will study how we build a language model and train it for a while .").split(" ")


@pytest.mark.parametrize("backend", BACKENDS)
def test_tokenize_reproduces_the_fastai_book(backend):
    assert ft.tokenize(BOOK_STREAM, backend=backend) == BOOK_TOKENS  # 90 tokens, as in the book
    assert ft.tokenize("&copy;   Fast.ai www.fast.ai/INDEX", backend=backend) == [
        "xxbos", "©", "xxmaj", "fast.ai", "xxrep", "3", "w", ".fast.ai", "/", "xxup", "index"]


def test_regex_splitter_matches_spacy_on_tricky_cases():
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("en")
    texts = ["i can't, won't and cannot: gonna be e.g. 5pm.", "it's (really) 'quoted' -- and ... this:)",
             "the movie's end.the hero's 10km run... ok?!", "http://www.imdb.com is y'all's ma'am"]
    for text in texts:
        assert ft.split_words_regex(text) == [t.text for t in nlp(text)], text


def test_regex_splitter_cases_written_from_spacy():
    cases = {"don't": "do n't", "can't": "ca n't", "dont": "do nt", "i'm": "i 'm", "cannot": "can not",
             "gonna": "gon na", "well": "well", "its": "its", "movie's": "movie 's", "(yes)!": "( yes ) !",
             "e.g.": "e.g.", "well-known": "well - known", "10,000": "10,000", "3.5": "3.5", "a\nb": "a \n b",
             ":)": ":)", "wow...": "wow ..."}
    for text, expected in cases.items():
        assert ft.split_words_regex(text) == expected.split(" "), text
    assert ft.split_words_regex("x  y") == ["x", " ", "y"]  # a second space is a token, as in spaCy


def test_numericalize_and_encode_with_fastai_specials():
    itos = ft.SPECIAL_TOKENS[:2] + ["xxbos", "xxmaj", "the", "movie", "was", "great", "!"]
    vocab = ft.FastaiVocab(itos)
    assert (vocab.unk_id, vocab.pad_id, vocab.bos_id) == (0, 1, 2)
    ids = ft.numericalize(ft.tokenize("The movie was AWFUL!", backend="regex"), itos)
    assert vocab.textify(ids) == "xxbos xxmaj the movie was xxunk xxunk !"  # xxup → not in this vocabulary
    x = ft.encode_texts(["The movie", "The movie was great!"], vocab, max_len=5, backend="regex")
    np.testing.assert_array_equal(x, [[2, 3, 4, 5, 1], [2, 3, 4, 5, 6]])  # padded with xxpad at the end
    x = ft.encode_texts(["The movie was great!"], vocab, max_len=3, truncation="tail", backend="regex")
    np.testing.assert_array_equal(x, [[6, 7, 8]])
    stream = ft.corpus_ids(["The movie", "Great!"], vocab, backend="regex")
    np.testing.assert_array_equal(stream, [2, 3, 4, 5, 2, 3, 7, 8])
    assert ft.unknown_rate([["the", "plot", "xxbos"]], vocab) == 0.5
    with pytest.raises(ValueError, match="xxpad"):
        ft.FastaiVocab(["xxunk", "the"])
