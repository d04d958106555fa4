"""Loads Rasa's TensorFlow models (DIET) without a training step.

Stock ``RasaModel.load`` compiles the model and fits it on one example "to
build weights of the correct size", then loads the trained weights over
them. Tracing that training step (the loss, its gradients and Adam's update)
took 6-7 s of a Rasa server's 11 s model load on a 2-core machine, and a
server that restarts or scales out pays it every time.

Weights saved in TensorFlow's checkpoint format are restored as the model
creates its variables, so here the model is built by the prediction it runs
anyway (stock Rasa also predicts on one example after loading, to trace the
prediction function): the weights are read first, then that prediction
creates the variables, which take the trained values. The optimizer's
state, which only fine-tuning needs, is left unread; fine-tuning, or a model
without an example to predict on, still loads the stock way.
``tests/rasa/test_model_loading.py`` checks that both loads give the same
predictions, to the last bit.
"""

from __future__ import annotations

from typing import Any, Optional, Text

import tensorflow as tf
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel

STOCK_LOAD = RasaModel.load.__func__  # type: ignore[attr-defined]


def load(
    cls: type,
    model_file_name: Text,
    model_data_example: RasaModelData,
    predict_data_example: Optional[RasaModelData] = None,
    finetune_mode: bool = False,
    *args: Any,
    **kwargs: Any,
) -> RasaModel:
    if finetune_mode or not predict_data_example:
        return STOCK_LOAD(
            cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
        )
    model = cls(*args, **kwargs)
    config = kwargs.get("config", {})
    model.compile(
        optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
        run_eagerly=config.get(RUN_EAGERLY),
    )
    status = model.load_weights(model_file_name)
    # Creates every variable the prediction uses; each takes its saved value.
    model.run_inference(predict_data_example)
    status.assert_existing_objects_matched()
    status.expect_partial()  # the optimizer's slots: fine-tuning only
    return model


def install() -> None:
    RasaModel.load = classmethod(load)  # type: ignore[assignment,method-assign]
