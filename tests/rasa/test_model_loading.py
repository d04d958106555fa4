"""The intent classifier loaded without a training step predicts exactly as
when loaded the stock way (server/model_loading.py)."""

from pathlib import Path

import pytest
import yaml
from rasa.core.agent import Agent
from rasa.engine.exceptions import GraphComponentException
from rasa.utils.tensorflow.models import RasaModel

from common import paths
from server import model_loading
from tests.helpers.running import run_async


def nlu_examples(limit: int = 300) -> list[str]:
    texts: list[str] = []
    for item in yaml.safe_load((paths.ROOT / "data" / "nlu.yml").read_text())["nlu"]:
        lines = item.get("examples", "").splitlines()
        texts += [line[2:].strip() for line in lines if line.startswith("- ")][:12]
    return texts[:limit] + ["?", "x" * 500, "my legs are numb and I can't pee"]


async def rankings(model: Path, texts: list[str]) -> list[tuple]:
    agent = Agent.load(str(model))
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        out.append((text, tuple((e["name"], e["confidence"]) for e in parsed.get("intent_ranking") or [])))
    return out


def test_the_quick_load_predicts_exactly_as_the_stock_load(trained_model, monkeypatch: pytest.MonkeyPatch):
    texts = nlu_examples()
    monkeypatch.setattr(RasaModel, "load", classmethod(model_loading.STOCK_LOAD))
    stock = run_async(rankings(trained_model, texts))
    monkeypatch.setattr(RasaModel, "load", classmethod(model_loading.load))
    quick = run_async(rankings(trained_model, texts))
    assert len(stock) == len(texts)
    assert quick == stock


def test_a_model_whose_weights_do_not_fit_fails_to_load(trained_model, monkeypatch: pytest.MonkeyPatch):
    # A checkpoint that does not match the model is an error, not a model
    # with random weights.
    import tensorflow as tf

    calls = []
    real = tf.keras.Model.load_weights

    def wrong_file(self, filepath, *args, **kwargs):
        calls.append(filepath)
        other = tf.train.Checkpoint(unrelated=tf.Variable(1.0))
        path = other.write(str(Path(filepath).parent / "unrelated"))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(tf.keras.Model, "load_weights", wrong_file)
    monkeypatch.setattr(RasaModel, "load", classmethod(model_loading.load))
    with pytest.raises(GraphComponentException) as raised:
        run_async(rankings(trained_model, ["hello"]))
    assert isinstance(raised.value.__cause__, AssertionError)
    assert calls
