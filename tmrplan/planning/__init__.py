"""From a case to a plan: amputation effects, the anatomy index, candidates, facts, the planner, the sweep."""
