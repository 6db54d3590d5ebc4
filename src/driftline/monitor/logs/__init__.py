"""The prediction and feedback logs: their writers, journals and segment format.

The model server writes every prediction (:mod:`~driftline.monitor.logs.predlog`) and every label
(:mod:`~driftline.monitor.logs.feedback`) through a background writer
(:mod:`~driftline.monitor.logs.segment_writer`, which stores batches with
:mod:`~driftline.monitor.logs.segment_upload`) into Parquet segments
(:mod:`~driftline.monitor.logs.segments`; a prediction segment is built by
:mod:`~driftline.monitor.logs.prediction_segment`); with ``durability="durable"`` each is first
appended to a local journal (:mod:`~driftline.monitor.logs.journal`) and acknowledged once on
disk. The readers (:mod:`driftline.monitor.predictions`) live one level up.
"""
