"""What the figures cannot say: the bias notes that travel with every export and statistic.

English as str() gives it (the data dictionary and the public snapshot), translated where the
review and research pages show them (`said`); kept in one place so all say the same thing.
"""

from __future__ import annotations

from ..wording import Said, said

BIAS_NOTES: tuple[tuple[Said, Said], ...] = (
    (said("Who reports"),
     said("Every record comes from a relative living outside China who learned of the detention, could reach "
          "this service and judged it safe enough to speak. Families with nobody abroad, families too afraid "
          "for relatives still in Xinjiang, and people whose whole family is detained are missing. Kazakh and "
          "Kyrgyz families (relatives across a nearby border) and families with members in Turkey, Europe or "
          "North America are over-represented; rural southern Xinjiang, where few people emigrated, is "
          "under-represented relative to where detentions happened.")),
    (said("To whom"),
     said("Only reports made to this service are counted. Families who reported to another database, a "
          "government or a journalist, and not here, are absent; the same person may appear in other sources "
          "under other spellings, so counts cannot be added to theirs.")),
    (said("In which language"),
     said("The form is offered in Uyghur, Kazakh, Chinese, Turkish, Russian and English. Families who write "
          "none of these, or cannot read a web form, report less. Places, dates and sentences are read from "
          "what families typed; a value the service could not read is counted as unknown.")),
    (said("What the counts are"),
     said("A count is of persons as reviewers have linked reports so far: two reports not yet recognised as "
          "the same person count twice, and a wrong link counts two persons once. Statuses are the latest a "
          "family reported and may be out of date. Verification levels say how far reviewers checked a "
          "report, not that unverified reports are false.")),
    (said("What the counts cannot say"),
     said("These are not a sample of the detained population. They cannot estimate how many people were "
          "detained, in total or in a place or year, or compare places or years: a place with few reports "
          "may have had as many detentions and fewer relatives abroad. A detention year is when the family "
          "says it happened, often learned much later. Changes over time mix changes in detentions with "
          "changes in who could report.")),
    (said("Anonymisation"),
     said("Values are generalised (a county to its prefecture or region, a year to a range, a month to a "
          "quarter or year) and a few records are suppressed (\"*\" in every column but status) so that no "
          "combination of values describes fewer than the stated number of persons. Small groups are "
          "therefore less visible than large ones, and rare values (a small ethnic group, a rare sentence) "
          "are merged into broader ones.")),
)
def as_text() -> str:
    return "\n\n".join(f"{title}. {text}" for title, text in BIAS_NOTES)
