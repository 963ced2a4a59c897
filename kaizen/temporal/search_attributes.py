"""Kaizen's custom search attributes, registered with the server at start-up."""

from typing import Final

from temporalio.common import SearchAttributeKey

KAIZEN_KIND: Final = SearchAttributeKey.for_keyword("KaizenKind")
KAIZEN_TENANT: Final = SearchAttributeKey.for_keyword("KaizenTenant")
KAIZEN_SERVICE: Final = SearchAttributeKey.for_keyword("KaizenService")
KAIZEN_PHASE: Final = SearchAttributeKey.for_keyword("KaizenPhase")
KAIZEN_RISK: Final = SearchAttributeKey.for_keyword("KaizenRisk")
# Kind-specific: the environment a promotion moves a build into.
KAIZEN_ENVIRONMENT: Final = SearchAttributeKey.for_keyword("KaizenEnvironment")

ALL: Final = (
    KAIZEN_KIND,
    KAIZEN_TENANT,
    KAIZEN_SERVICE,
    KAIZEN_PHASE,
    KAIZEN_RISK,
    KAIZEN_ENVIRONMENT,
)
