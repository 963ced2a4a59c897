"""Connecting to Temporal with Kaizen's namespace and data converter."""

from __future__ import annotations

from temporalio.client import Client

from kaizen.settings import Settings
from kaizen.temporal.converter import data_converter


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_target,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings.payload_encoding),
    )
