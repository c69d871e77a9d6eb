"""Judgments in words for the terminal: the summary and the full explanation (``judgments explain``)."""

from __future__ import annotations

from airpicture.assess.ach import AchRules, discounted_likelihoods
from airpicture.model.judgments import Judgment
from airpicture.pipeline.assess import claims_by_id, judgment_region
from airpicture.store import Workspace


def summary_lines(j: Judgment) -> list[str]:
    top, runner = j.hypothesis(j.top), j.hypothesis(j.runner_up)
    if not j.assessed:
        return [
            f"judgment {j.judgment_id}  question {j.question_id}  day {j.day.isoformat()}",
            "Nothing to assess: no data bore on the question, so no band and no confidence are given.",
        ]
    lines = [
        f"judgment {j.judgment_id}  question {j.question_id}  day {j.day.isoformat()}",
        f"{top.proposition} is {j.band} (p = {j.probability(j.top):.2f}).",
        f"Runner-up: {runner.proposition} is {j.runner_up_band} (p = {j.probability(j.runner_up):.2f}).",
        f"Confidence: {j.confidence.value}. Basis: {j.confidence_basis}.",
        f"Change: {j.change_explanation}" + (f" (supersedes {j.supersedes})" if j.supersedes else ""),
        "Key evidence: " + ("; ".join(i.label for i in j.items if i.item_id in j.key_evidence) or "none"),
    ]
    if j.tied:
        lines.append("Tie: no hypothesis is favoured over " + ", ".join(j.tied) + ".")
    if j.beyond_scale:
        lines.append("Note: a probability is beyond the ICD 203 scale (below 1 % or above 99 %).")
    return lines


def explain_lines(workspace: Workspace, j: Judgment) -> list[str]:
    hyps = [h.hyp_id for h in j.hypotheses]
    rules = AchRules()
    lines = summary_lines(j)
    lines += ["", "Hypotheses (prior → posterior):"]
    lines += [f"  {h.hyp_id:<12} {h.prior:.2f} → {j.probability(h.hyp_id):.3f}  {h.label}" for h in j.hypotheses]
    lines += ["", "ACH matrix (ratings; credibility/relevance; source grade; diagnosticity):"]
    lines.append("  " + f"{'item':<28}" + "".join(f"{h:>12}" for h in hyps) + "   cred/rel grade diag")
    diag = dict(j.diagnosticity)
    for item in j.items:
        lines.append(
            f"  {item.item_id[:28]:<28}"
            + "".join(f"{item.rating(h).value:>12}" for h in hyps)
            + f"   {item.credibility.value}/{item.relevance.value}     {item.grade:<5} {diag.get(item.item_id)}"
            + ("" if diag.get(item.item_id) is not None else "  (no diagnosticity: flagged)")
        )
    lines.append("  " + f"{'inconsistency':<28}" + "".join(f"{v:>12g}" for _, v in j.inconsistency))
    lines.append("  " + f"{'weighted':<28}" + "".join(f"{v:>12.2f}" for _, v in j.weighted))
    lines += ["", "Likelihoods P(E*|H) after Schum discounting (h, f by source reliability):"]
    for item in j.items:
        h, f = rules.schum[item.reliability]
        values = discounted_likelihoods(item, j.hypotheses, rules)
        lines.append(
            f"  {item.item_id[:28]:<28}"
            + "".join(f"{values.get(x, float('nan')):>12.3f}" for x in hyps)
            + f"   reliability {item.reliability.value} (h={h}, f={f})"
        )
    lines += ["", "Sensitivity (critical = the leading hypothesis or its band changes):"]
    for row in j.sensitivity:
        if row.change == "drop" or row.critical:
            mark = "CRITICAL" if row.critical else ""
            lines.append(
                f"  {row.item_id[:28]:<28} {row.change:<22} → {row.top} {row.top_probability:.3f} {row.band} {mark}"
            )
    claims = claims_by_id(workspace, {c for i in j.items for c in i.claim_ids}, judgment_region(workspace, j))
    lines += ["", "Claims behind each item:"]
    for item in j.items:
        lines.append(
            f"  {item.item_id}: roots {', '.join(item.roots)}"
            + (f"; merged {', '.join(item.merged)}" if item.merged else "")
        )
        for cid in item.claim_ids:
            c = claims.get(cid)
            if c:
                lines.append(
                    f"    {cid} {c.event_type} {c.subject} {c.start.isoformat()} {c.status.value} "
                    f"cred {int(c.credibility) if c.credibility else '-'} "
                    f"roots {c.independent_roots} echoes {c.echo_count}"
                )
    lines += ["", "Assumptions:"] + [f"  - {a}" for a in j.assumptions]
    lines += ["Indicators to watch:"] + [f"  - {w}" for w in j.indicators_to_watch]
    return lines
