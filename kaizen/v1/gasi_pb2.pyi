import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kaizen.v1 import common_pb2 as _common_pb2
from kaizen.v1 import run_pb2 as _run_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GasiBudgets(_message.Message):
    __slots__ = ("evaluations", "llm_tokens")
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    LLM_TOKENS_FIELD_NUMBER: _ClassVar[int]
    evaluations: int
    llm_tokens: int
    def __init__(self, evaluations: _Optional[int] = ..., llm_tokens: _Optional[int] = ...) -> None: ...

class GasiConfig(_message.Message):
    __slots__ = ("pool_size", "adversaries_per_generation", "generations", "budgets", "seed", "hall_of_fame_sample", "parallelism", "batch_size", "generation_timeout_seconds", "forge_attempts", "initial_adversaries", "generations_per_run", "on_budget_exhausted", "llm_forge")
    POOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIES_PER_GENERATION_FIELD_NUMBER: _ClassVar[int]
    GENERATIONS_FIELD_NUMBER: _ClassVar[int]
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    HALL_OF_FAME_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FORGE_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    INITIAL_ADVERSARIES_FIELD_NUMBER: _ClassVar[int]
    GENERATIONS_PER_RUN_FIELD_NUMBER: _ClassVar[int]
    ON_BUDGET_EXHAUSTED_FIELD_NUMBER: _ClassVar[int]
    LLM_FORGE_FIELD_NUMBER: _ClassVar[int]
    pool_size: int
    adversaries_per_generation: int
    generations: int
    budgets: GasiBudgets
    seed: int
    hall_of_fame_sample: int
    parallelism: int
    batch_size: int
    generation_timeout_seconds: int
    forge_attempts: int
    initial_adversaries: int
    generations_per_run: int
    on_budget_exhausted: str
    llm_forge: bool
    def __init__(self, pool_size: _Optional[int] = ..., adversaries_per_generation: _Optional[int] = ..., generations: _Optional[int] = ..., budgets: _Optional[_Union[GasiBudgets, _Mapping]] = ..., seed: _Optional[int] = ..., hall_of_fame_sample: _Optional[int] = ..., parallelism: _Optional[int] = ..., batch_size: _Optional[int] = ..., generation_timeout_seconds: _Optional[int] = ..., forge_attempts: _Optional[int] = ..., initial_adversaries: _Optional[int] = ..., generations_per_run: _Optional[int] = ..., on_budget_exhausted: _Optional[str] = ..., llm_forge: _Optional[bool] = ...) -> None: ...

class GasiCandidate(_message.Message):
    __slots__ = ("id", "genome_json", "parent_id", "summary", "origin")
    ID_FIELD_NUMBER: _ClassVar[int]
    GENOME_JSON_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    id: str
    genome_json: str
    parent_id: str
    summary: str
    origin: str
    def __init__(self, id: _Optional[str] = ..., genome_json: _Optional[str] = ..., parent_id: _Optional[str] = ..., summary: _Optional[str] = ..., origin: _Optional[str] = ...) -> None: ...

class GasiAdversary(_message.Message):
    __slots__ = ("id", "genome_json", "family", "positive", "summary", "origin", "cell")
    ID_FIELD_NUMBER: _ClassVar[int]
    GENOME_JSON_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    CELL_FIELD_NUMBER: _ClassVar[int]
    id: str
    genome_json: str
    family: str
    positive: bool
    summary: str
    origin: str
    cell: str
    def __init__(self, id: _Optional[str] = ..., genome_json: _Optional[str] = ..., family: _Optional[str] = ..., positive: _Optional[bool] = ..., summary: _Optional[str] = ..., origin: _Optional[str] = ..., cell: _Optional[str] = ...) -> None: ...

class GasiScore(_message.Message):
    __slots__ = ("score", "wins", "losses", "metrics", "fitness", "lost_to")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    SCORE_FIELD_NUMBER: _ClassVar[int]
    WINS_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    FITNESS_FIELD_NUMBER: _ClassVar[int]
    LOST_TO_FIELD_NUMBER: _ClassVar[int]
    score: float
    wins: int
    losses: int
    metrics: _containers.ScalarMap[str, float]
    fitness: _containers.RepeatedScalarFieldContainer[float]
    lost_to: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, score: _Optional[float] = ..., wins: _Optional[int] = ..., losses: _Optional[int] = ..., metrics: _Optional[_Mapping[str, float]] = ..., fitness: _Optional[_Iterable[float]] = ..., lost_to: _Optional[_Iterable[str]] = ...) -> None: ...

class GasiChampion(_message.Message):
    __slots__ = ("candidate", "generation", "current", "past", "benchmark")
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PAST_FIELD_NUMBER: _ClassVar[int]
    BENCHMARK_FIELD_NUMBER: _ClassVar[int]
    candidate: GasiCandidate
    generation: int
    current: GasiScore
    past: GasiScore
    benchmark: GasiScore
    def __init__(self, candidate: _Optional[_Union[GasiCandidate, _Mapping]] = ..., generation: _Optional[int] = ..., current: _Optional[_Union[GasiScore, _Mapping]] = ..., past: _Optional[_Union[GasiScore, _Mapping]] = ..., benchmark: _Optional[_Union[GasiScore, _Mapping]] = ...) -> None: ...

class GasiAdversarySummary(_message.Message):
    __slots__ = ("current_ids", "mean_difficulty", "archive_size")
    CURRENT_IDS_FIELD_NUMBER: _ClassVar[int]
    MEAN_DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_SIZE_FIELD_NUMBER: _ClassVar[int]
    current_ids: _containers.RepeatedScalarFieldContainer[str]
    mean_difficulty: float
    archive_size: int
    def __init__(self, current_ids: _Optional[_Iterable[str]] = ..., mean_difficulty: _Optional[float] = ..., archive_size: _Optional[int] = ...) -> None: ...

class GasiCounters(_message.Message):
    __slots__ = ("evaluations_spent", "generations_done", "champions_crowned", "adversaries_forged", "stagnant_generations", "runs", "llm_tokens_spent", "engine_calls")
    EVALUATIONS_SPENT_FIELD_NUMBER: _ClassVar[int]
    GENERATIONS_DONE_FIELD_NUMBER: _ClassVar[int]
    CHAMPIONS_CROWNED_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIES_FORGED_FIELD_NUMBER: _ClassVar[int]
    STAGNANT_GENERATIONS_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    LLM_TOKENS_SPENT_FIELD_NUMBER: _ClassVar[int]
    ENGINE_CALLS_FIELD_NUMBER: _ClassVar[int]
    evaluations_spent: int
    generations_done: int
    champions_crowned: int
    adversaries_forged: int
    stagnant_generations: int
    runs: int
    llm_tokens_spent: int
    engine_calls: int
    def __init__(self, evaluations_spent: _Optional[int] = ..., generations_done: _Optional[int] = ..., champions_crowned: _Optional[int] = ..., adversaries_forged: _Optional[int] = ..., stagnant_generations: _Optional[int] = ..., runs: _Optional[int] = ..., llm_tokens_spent: _Optional[int] = ..., engine_calls: _Optional[int] = ...) -> None: ...

class GasiCarry(_message.Message):
    __slots__ = ("champion", "adversaries", "counters", "paused", "budgets", "opened", "generations", "base_generation", "last_generation_cost", "budget_pause", "last_llm_tokens")
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIES_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    GENERATIONS_FIELD_NUMBER: _ClassVar[int]
    BASE_GENERATION_FIELD_NUMBER: _ClassVar[int]
    LAST_GENERATION_COST_FIELD_NUMBER: _ClassVar[int]
    BUDGET_PAUSE_FIELD_NUMBER: _ClassVar[int]
    LAST_LLM_TOKENS_FIELD_NUMBER: _ClassVar[int]
    champion: GasiChampion
    adversaries: GasiAdversarySummary
    counters: GasiCounters
    paused: bool
    budgets: GasiBudgets
    opened: bool
    generations: int
    base_generation: int
    last_generation_cost: int
    budget_pause: str
    last_llm_tokens: int
    def __init__(self, champion: _Optional[_Union[GasiChampion, _Mapping]] = ..., adversaries: _Optional[_Union[GasiAdversarySummary, _Mapping]] = ..., counters: _Optional[_Union[GasiCounters, _Mapping]] = ..., paused: _Optional[bool] = ..., budgets: _Optional[_Union[GasiBudgets, _Mapping]] = ..., opened: _Optional[bool] = ..., generations: _Optional[int] = ..., base_generation: _Optional[int] = ..., last_generation_cost: _Optional[int] = ..., budget_pause: _Optional[str] = ..., last_llm_tokens: _Optional[int] = ...) -> None: ...

class GasiRunRequest(_message.Message):
    __slots__ = ("arena", "name", "config", "tenant", "requested_by", "source", "limits", "carry", "evaluation_task_queue")
    ARENA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    CARRY_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_TASK_QUEUE_FIELD_NUMBER: _ClassVar[int]
    arena: str
    name: str
    config: GasiConfig
    tenant: str
    requested_by: str
    source: str
    limits: _common_pb2.RunLimits
    carry: GasiCarry
    evaluation_task_queue: str
    def __init__(self, arena: _Optional[str] = ..., name: _Optional[str] = ..., config: _Optional[_Union[GasiConfig, _Mapping]] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., carry: _Optional[_Union[GasiCarry, _Mapping]] = ..., evaluation_task_queue: _Optional[str] = ...) -> None: ...

class GasiRunResult(_message.Message):
    __slots__ = ("outcome", "reason", "champion", "counters", "events")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    reason: str
    champion: GasiChampion
    counters: GasiCounters
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    def __init__(self, outcome: _Optional[str] = ..., reason: _Optional[str] = ..., champion: _Optional[_Union[GasiChampion, _Mapping]] = ..., counters: _Optional[_Union[GasiCounters, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ...) -> None: ...

class GasiTrigger(_message.Message):
    __slots__ = ("requested_by", "source")
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    requested_by: str
    source: str
    def __init__(self, requested_by: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class GasiControl(_message.Message):
    __slots__ = ("by", "reason")
    BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    by: str
    reason: str
    def __init__(self, by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GasiBudgetChange(_message.Message):
    __slots__ = ("budgets", "generations", "by")
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    GENERATIONS_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    budgets: GasiBudgets
    generations: int
    by: str
    def __init__(self, budgets: _Optional[_Union[GasiBudgets, _Mapping]] = ..., generations: _Optional[int] = ..., by: _Optional[str] = ...) -> None: ...

class GasiBudgetState(_message.Message):
    __slots__ = ("budgets", "generations", "counters")
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    GENERATIONS_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    budgets: GasiBudgets
    generations: int
    counters: GasiCounters
    def __init__(self, budgets: _Optional[_Union[GasiBudgets, _Mapping]] = ..., generations: _Optional[int] = ..., counters: _Optional[_Union[GasiCounters, _Mapping]] = ...) -> None: ...

class GasiOpenRequest(_message.Message):
    __slots__ = ("arena", "tournament", "config", "run_id")
    ARENA_FIELD_NUMBER: _ClassVar[int]
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    arena: str
    tournament: str
    config: GasiConfig
    run_id: str
    def __init__(self, arena: _Optional[str] = ..., tournament: _Optional[str] = ..., config: _Optional[_Union[GasiConfig, _Mapping]] = ..., run_id: _Optional[str] = ...) -> None: ...

class GasiOpening(_message.Message):
    __slots__ = ("champion", "adversaries", "evaluations", "resumed", "generation", "engine_calls")
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIES_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    RESUMED_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    ENGINE_CALLS_FIELD_NUMBER: _ClassVar[int]
    champion: GasiChampion
    adversaries: GasiAdversarySummary
    evaluations: int
    resumed: bool
    generation: int
    engine_calls: int
    def __init__(self, champion: _Optional[_Union[GasiChampion, _Mapping]] = ..., adversaries: _Optional[_Union[GasiAdversarySummary, _Mapping]] = ..., evaluations: _Optional[int] = ..., resumed: _Optional[bool] = ..., generation: _Optional[int] = ..., engine_calls: _Optional[int] = ...) -> None: ...

class GasiGenerateRequest(_message.Message):
    __slots__ = ("arena", "champion", "count", "seed", "generation", "tournament")
    ARENA_FIELD_NUMBER: _ClassVar[int]
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    arena: str
    champion: GasiCandidate
    count: int
    seed: int
    generation: int
    tournament: str
    def __init__(self, arena: _Optional[str] = ..., champion: _Optional[_Union[GasiCandidate, _Mapping]] = ..., count: _Optional[int] = ..., seed: _Optional[int] = ..., generation: _Optional[int] = ..., tournament: _Optional[str] = ...) -> None: ...

class GasiCandidatePool(_message.Message):
    __slots__ = ("candidates",)
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[GasiCandidate]
    def __init__(self, candidates: _Optional[_Iterable[_Union[GasiCandidate, _Mapping]]] = ...) -> None: ...

class GasiEvaluateRequest(_message.Message):
    __slots__ = ("arena", "tournament", "candidates", "adversary_ids", "batch_size", "parallelism", "hall_of_fame_sample", "seed")
    ARENA_FIELD_NUMBER: _ClassVar[int]
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    ADVERSARY_IDS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    HALL_OF_FAME_SAMPLE_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    arena: str
    tournament: str
    candidates: _containers.RepeatedCompositeFieldContainer[GasiCandidate]
    adversary_ids: _containers.RepeatedScalarFieldContainer[str]
    batch_size: int
    parallelism: int
    hall_of_fame_sample: int
    seed: int
    def __init__(self, arena: _Optional[str] = ..., tournament: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[GasiCandidate, _Mapping]]] = ..., adversary_ids: _Optional[_Iterable[str]] = ..., batch_size: _Optional[int] = ..., parallelism: _Optional[int] = ..., hall_of_fame_sample: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class GasiScoreRow(_message.Message):
    __slots__ = ("candidate", "score")
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    candidate: GasiCandidate
    score: GasiScore
    def __init__(self, candidate: _Optional[_Union[GasiCandidate, _Mapping]] = ..., score: _Optional[_Union[GasiScore, _Mapping]] = ...) -> None: ...

class GasiScoreMatrix(_message.Message):
    __slots__ = ("rows", "evaluations", "engine_calls", "seconds")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    ENGINE_CALLS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[GasiScoreRow]
    evaluations: int
    engine_calls: int
    seconds: float
    def __init__(self, rows: _Optional[_Iterable[_Union[GasiScoreRow, _Mapping]]] = ..., evaluations: _Optional[int] = ..., engine_calls: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...

class GasiForgeRequest(_message.Message):
    __slots__ = ("arena", "tournament", "champion", "count", "seed", "generation", "attempts", "batch_size", "parallelism", "llm_forge")
    ARENA_FIELD_NUMBER: _ClassVar[int]
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    LLM_FORGE_FIELD_NUMBER: _ClassVar[int]
    arena: str
    tournament: str
    champion: GasiCandidate
    count: int
    seed: int
    generation: int
    attempts: int
    batch_size: int
    parallelism: int
    llm_forge: bool
    def __init__(self, arena: _Optional[str] = ..., tournament: _Optional[str] = ..., champion: _Optional[_Union[GasiCandidate, _Mapping]] = ..., count: _Optional[int] = ..., seed: _Optional[int] = ..., generation: _Optional[int] = ..., attempts: _Optional[int] = ..., batch_size: _Optional[int] = ..., parallelism: _Optional[int] = ..., llm_forge: _Optional[bool] = ...) -> None: ...

class GasiForgeResult(_message.Message):
    __slots__ = ("adversaries", "evaluations", "tried", "beat_champion", "mean_difficulty", "engine_calls", "rejected_unfair", "llm_tokens", "llm_proposed", "llm_invalid", "llm_kept")
    ADVERSARIES_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    TRIED_FIELD_NUMBER: _ClassVar[int]
    BEAT_CHAMPION_FIELD_NUMBER: _ClassVar[int]
    MEAN_DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    ENGINE_CALLS_FIELD_NUMBER: _ClassVar[int]
    REJECTED_UNFAIR_FIELD_NUMBER: _ClassVar[int]
    LLM_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LLM_PROPOSED_FIELD_NUMBER: _ClassVar[int]
    LLM_INVALID_FIELD_NUMBER: _ClassVar[int]
    LLM_KEPT_FIELD_NUMBER: _ClassVar[int]
    adversaries: _containers.RepeatedCompositeFieldContainer[GasiAdversary]
    evaluations: int
    tried: int
    beat_champion: int
    mean_difficulty: float
    engine_calls: int
    rejected_unfair: int
    llm_tokens: int
    llm_proposed: int
    llm_invalid: int
    llm_kept: int
    def __init__(self, adversaries: _Optional[_Iterable[_Union[GasiAdversary, _Mapping]]] = ..., evaluations: _Optional[int] = ..., tried: _Optional[int] = ..., beat_champion: _Optional[int] = ..., mean_difficulty: _Optional[float] = ..., engine_calls: _Optional[int] = ..., rejected_unfair: _Optional[int] = ..., llm_tokens: _Optional[int] = ..., llm_proposed: _Optional[int] = ..., llm_invalid: _Optional[int] = ..., llm_kept: _Optional[int] = ...) -> None: ...

class GasiHardenRequest(_message.Message):
    __slots__ = ("arena", "tournament", "run_id", "generation", "champion", "crowned", "forged", "counters", "batch_size", "parallelism", "best_challenger")
    ARENA_FIELD_NUMBER: _ClassVar[int]
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    CROWNED_FIELD_NUMBER: _ClassVar[int]
    FORGED_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    PARALLELISM_FIELD_NUMBER: _ClassVar[int]
    BEST_CHALLENGER_FIELD_NUMBER: _ClassVar[int]
    arena: str
    tournament: str
    run_id: str
    generation: int
    champion: GasiChampion
    crowned: bool
    forged: GasiForgeResult
    counters: GasiCounters
    batch_size: int
    parallelism: int
    best_challenger: GasiScore
    def __init__(self, arena: _Optional[str] = ..., tournament: _Optional[str] = ..., run_id: _Optional[str] = ..., generation: _Optional[int] = ..., champion: _Optional[_Union[GasiChampion, _Mapping]] = ..., crowned: _Optional[bool] = ..., forged: _Optional[_Union[GasiForgeResult, _Mapping]] = ..., counters: _Optional[_Union[GasiCounters, _Mapping]] = ..., batch_size: _Optional[int] = ..., parallelism: _Optional[int] = ..., best_challenger: _Optional[_Union[GasiScore, _Mapping]] = ...) -> None: ...

class GasiHardened(_message.Message):
    __slots__ = ("champion", "evaluations", "archive_size", "engine_calls")
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_SIZE_FIELD_NUMBER: _ClassVar[int]
    ENGINE_CALLS_FIELD_NUMBER: _ClassVar[int]
    champion: GasiChampion
    evaluations: int
    archive_size: int
    engine_calls: int
    def __init__(self, champion: _Optional[_Union[GasiChampion, _Mapping]] = ..., evaluations: _Optional[int] = ..., archive_size: _Optional[int] = ..., engine_calls: _Optional[int] = ...) -> None: ...

class GasiProgressPoint(_message.Message):
    __slots__ = ("generation", "champion_id", "crowned", "benchmark_score", "past_score", "current_score", "adversary_difficulty", "evaluations_spent", "score_per_kiloevaluation", "at", "run_id", "forged", "forged_beat_champion")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CHAMPION_ID_FIELD_NUMBER: _ClassVar[int]
    CROWNED_FIELD_NUMBER: _ClassVar[int]
    BENCHMARK_SCORE_FIELD_NUMBER: _ClassVar[int]
    PAST_SCORE_FIELD_NUMBER: _ClassVar[int]
    CURRENT_SCORE_FIELD_NUMBER: _ClassVar[int]
    ADVERSARY_DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    EVALUATIONS_SPENT_FIELD_NUMBER: _ClassVar[int]
    SCORE_PER_KILOEVALUATION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    FORGED_FIELD_NUMBER: _ClassVar[int]
    FORGED_BEAT_CHAMPION_FIELD_NUMBER: _ClassVar[int]
    generation: int
    champion_id: str
    crowned: bool
    benchmark_score: float
    past_score: float
    current_score: float
    adversary_difficulty: float
    evaluations_spent: int
    score_per_kiloevaluation: float
    at: _timestamp_pb2.Timestamp
    run_id: str
    forged: int
    forged_beat_champion: int
    def __init__(self, generation: _Optional[int] = ..., champion_id: _Optional[str] = ..., crowned: _Optional[bool] = ..., benchmark_score: _Optional[float] = ..., past_score: _Optional[float] = ..., current_score: _Optional[float] = ..., adversary_difficulty: _Optional[float] = ..., evaluations_spent: _Optional[int] = ..., score_per_kiloevaluation: _Optional[float] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., run_id: _Optional[str] = ..., forged: _Optional[int] = ..., forged_beat_champion: _Optional[int] = ...) -> None: ...

class GasiHallOfFameChampion(_message.Message):
    __slots__ = ("candidate", "generation", "current", "past", "benchmark", "crowned_at", "run_id", "defeated", "lost_to")
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PAST_FIELD_NUMBER: _ClassVar[int]
    BENCHMARK_FIELD_NUMBER: _ClassVar[int]
    CROWNED_AT_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    DEFEATED_FIELD_NUMBER: _ClassVar[int]
    LOST_TO_FIELD_NUMBER: _ClassVar[int]
    candidate: GasiCandidate
    generation: int
    current: GasiScore
    past: GasiScore
    benchmark: GasiScore
    crowned_at: _timestamp_pb2.Timestamp
    run_id: str
    defeated: _containers.RepeatedScalarFieldContainer[str]
    lost_to: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, candidate: _Optional[_Union[GasiCandidate, _Mapping]] = ..., generation: _Optional[int] = ..., current: _Optional[_Union[GasiScore, _Mapping]] = ..., past: _Optional[_Union[GasiScore, _Mapping]] = ..., benchmark: _Optional[_Union[GasiScore, _Mapping]] = ..., crowned_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., run_id: _Optional[str] = ..., defeated: _Optional[_Iterable[str]] = ..., lost_to: _Optional[_Iterable[str]] = ...) -> None: ...

class GasiHallOfFameAdversary(_message.Message):
    __slots__ = ("adversary", "generation", "beats", "faced", "difficulty")
    ADVERSARY_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    BEATS_FIELD_NUMBER: _ClassVar[int]
    FACED_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    adversary: GasiAdversary
    generation: int
    beats: int
    faced: int
    difficulty: float
    def __init__(self, adversary: _Optional[_Union[GasiAdversary, _Mapping]] = ..., generation: _Optional[int] = ..., beats: _Optional[int] = ..., faced: _Optional[int] = ..., difficulty: _Optional[float] = ...) -> None: ...

class GasiHallOfFame(_message.Message):
    __slots__ = ("tournament", "arena", "champions", "adversaries")
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    ARENA_FIELD_NUMBER: _ClassVar[int]
    CHAMPIONS_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIES_FIELD_NUMBER: _ClassVar[int]
    tournament: str
    arena: str
    champions: _containers.RepeatedCompositeFieldContainer[GasiHallOfFameChampion]
    adversaries: _containers.RepeatedCompositeFieldContainer[GasiHallOfFameAdversary]
    def __init__(self, tournament: _Optional[str] = ..., arena: _Optional[str] = ..., champions: _Optional[_Iterable[_Union[GasiHallOfFameChampion, _Mapping]]] = ..., adversaries: _Optional[_Iterable[_Union[GasiHallOfFameAdversary, _Mapping]]] = ...) -> None: ...

class GasiAdoptionRequest(_message.Message):
    __slots__ = ("tournament", "arena", "champion", "tenant", "requested_by", "limits", "approvals_required", "reason")
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    ARENA_FIELD_NUMBER: _ClassVar[int]
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tournament: str
    arena: str
    champion: GasiCandidate
    tenant: str
    requested_by: str
    limits: _common_pb2.RunLimits
    approvals_required: int
    reason: str
    def __init__(self, tournament: _Optional[str] = ..., arena: _Optional[str] = ..., champion: _Optional[_Union[GasiCandidate, _Mapping]] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., approvals_required: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class GasiAdoptionOutput(_message.Message):
    __slots__ = ("directory", "file", "diff_file", "diff", "target")
    DIRECTORY_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    DIFF_FILE_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    directory: str
    file: str
    diff_file: str
    diff: str
    target: str
    def __init__(self, directory: _Optional[str] = ..., file: _Optional[str] = ..., diff_file: _Optional[str] = ..., diff: _Optional[str] = ..., target: _Optional[str] = ...) -> None: ...

class GasiAdoptionResult(_message.Message):
    __slots__ = ("outcome", "reason", "output", "events")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    outcome: str
    reason: str
    output: GasiAdoptionOutput
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    def __init__(self, outcome: _Optional[str] = ..., reason: _Optional[str] = ..., output: _Optional[_Union[GasiAdoptionOutput, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ...) -> None: ...

class GasiAdoptionWrite(_message.Message):
    __slots__ = ("request", "adoption_id", "approvers")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ADOPTION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    request: GasiAdoptionRequest
    adoption_id: str
    approvers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request: _Optional[_Union[GasiAdoptionRequest, _Mapping]] = ..., adoption_id: _Optional[str] = ..., approvers: _Optional[_Iterable[str]] = ...) -> None: ...

class GasiCiaoChampion(_message.Message):
    __slots__ = ("generation", "candidate_id", "summary")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    generation: int
    candidate_id: str
    summary: str
    def __init__(self, generation: _Optional[int] = ..., candidate_id: _Optional[str] = ..., summary: _Optional[str] = ...) -> None: ...

class GasiCiaoColumn(_message.Message):
    __slots__ = ("generation", "adversaries")
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIES_FIELD_NUMBER: _ClassVar[int]
    generation: int
    adversaries: int
    def __init__(self, generation: _Optional[int] = ..., adversaries: _Optional[int] = ...) -> None: ...

class GasiCiaoCell(_message.Message):
    __slots__ = ("wins", "met", "win_rate")
    WINS_FIELD_NUMBER: _ClassVar[int]
    MET_FIELD_NUMBER: _ClassVar[int]
    WIN_RATE_FIELD_NUMBER: _ClassVar[int]
    wins: int
    met: int
    win_rate: float
    def __init__(self, wins: _Optional[int] = ..., met: _Optional[int] = ..., win_rate: _Optional[float] = ...) -> None: ...

class GasiCiaoRow(_message.Message):
    __slots__ = ("champion", "cells")
    CHAMPION_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    champion: GasiCiaoChampion
    cells: _containers.RepeatedCompositeFieldContainer[GasiCiaoCell]
    def __init__(self, champion: _Optional[_Union[GasiCiaoChampion, _Mapping]] = ..., cells: _Optional[_Iterable[_Union[GasiCiaoCell, _Mapping]]] = ...) -> None: ...

class GasiCiao(_message.Message):
    __slots__ = ("tournament", "arena", "columns", "rows", "svg")
    TOURNAMENT_FIELD_NUMBER: _ClassVar[int]
    ARENA_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SVG_FIELD_NUMBER: _ClassVar[int]
    tournament: str
    arena: str
    columns: _containers.RepeatedCompositeFieldContainer[GasiCiaoColumn]
    rows: _containers.RepeatedCompositeFieldContainer[GasiCiaoRow]
    svg: str
    def __init__(self, tournament: _Optional[str] = ..., arena: _Optional[str] = ..., columns: _Optional[_Iterable[_Union[GasiCiaoColumn, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[GasiCiaoRow, _Mapping]]] = ..., svg: _Optional[str] = ...) -> None: ...
