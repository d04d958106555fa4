"""Rasa's RulePolicy, reading only as far back as its longest rule.

Stock ``RulePolicy`` turns the whole conversation into dialogue states on every
prediction (twice: once with the message's text, once with its intent) and
then walks all of them against every rule. A rule only ever compares the last
``len(rule)`` states: further back, ``RulePolicy._is_rule_applicable`` accepts
any state. So the states beyond the longest rule cannot change a prediction,
and building them made each turn of a long conversation slower than the one
before it (pitfall #11).

``RecentRulePolicy`` builds only the last ``horizon`` states, where the
horizon is one more than the longest learned rule (unhappy-path rules
included). Each of those states is computed exactly as stock Rasa does (the
conversation is replayed event by event, so slots and loops hold the values
they had then); only the states of older turns are skipped. Until a policy
has learned its rules (during training) it behaves exactly like
``RulePolicy``.
"""

import copy
import weakref
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.featurizers.tracker_featurizers import TrackerFeaturizer
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from server.tracker_speed import ACTION, kind_of


def recent_states(tracker: DialogueStateTracker, domain: Domain, horizon: int) -> List[State]:
    """The last ``horizon`` states of ``tracker.past_states(domain)``, built
    without computing the older ones."""
    events = tracker.applied_events()
    actions = [kind_of(type(event)) == ACTION for event in events]
    skipped = max(0, 1 + sum(actions) - horizon)
    replay = tracker.init_copy()
    states: List[State] = []
    seen = 0
    for event, is_action in zip(events, actions, strict=True):
        if is_action:
            if seen >= skipped:
                states.append(domain._clean_state(domain.get_active_state(replay)))
            seen += 1
        replay.update(event)
    states.append(domain._clean_state(domain.get_active_state(replay)))
    return states


def longest_rule(lookup: Dict[Text, Any]) -> int:
    """The number of states of the longest learned rule."""
    return max(
        (
            len(RulePolicy._rule_key_to_state(key))
            for part in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH)
            for key in lookup.get(part, {})
        ),
        default=0,
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class RecentRulePolicy(RulePolicy):
    """``RulePolicy`` whose predictions cost the same at turn 100 as at turn 1."""

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[TrackerFeaturizer] = None,
        lookup: Optional[Dict] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer, lookup)
        self.horizon: Optional[int] = self._learned_horizon() if lookup else None
        self._last: Optional[Tuple[weakref.ref, Tuple[int, Any], List[State]]] = None

    def _learned_horizon(self) -> Optional[int]:
        longest = longest_rule(self.lookup)
        return longest + 1 if longest else None

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        self.horizon = None  # the checks run while training read whole conversations
        resource = super().train(training_trackers, domain, **kwargs)
        self.horizon = self._learned_horizon()
        return resource

    def _recent_states(self, tracker: DialogueStateTracker, domain: Domain) -> List[State]:
        """recent_states, built once for both of a prediction's readings (the
        message's text, then its intent): each gets its own copy."""
        key = (len(tracker.events), tracker.events[-1] if tracker.events else None)
        if self._last is None or self._last[0]() is not tracker or self._last[1] != key:
            self._last = (weakref.ref(tracker), key, recent_states(tracker, domain, self.horizon or 0))
        return copy.deepcopy(self._last[2])

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        if self.horizon is None:
            return super()._prediction_states(tracker, domain, use_text_for_last_user_input, rule_only_data)
        # RulePolicy reads rule data: no rule-only turn is hidden and no
        # action_unlikely_intent removed, and its featurizer keeps the whole
        # history (max_history None), so past_states is all there is to do
        # before the last user input is chosen.
        states = self._recent_states(tracker, domain)
        self.featurizer._choose_last_user_input([states], use_text_for_last_user_input)
        return states
