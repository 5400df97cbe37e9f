Feature: Overall area view
  The overall area view combines the scores of the four elements: the National Indicator Set,
  direction of travel, use of resources and the risk assessment. Direction of travel and use of
  resources are judged per body; for them the lead council's judgement counts (the county's, in a
  two-tier area). The overall score is on the common scale: 4 performing strongly, 3 performing well,
  2 adequate, 1 inadequate. A red flag on a safeguarding or vulnerable-people outcome caps it. Where a
  body scored itself on an element, the result says whether its self-assessment was accurate,
  optimistic or pessimistic.

  Each scenario gives the elements' scores; the test builds evidence the rules judge that way, and
  checks they do. The councils and the police force named are fictional.

  Rule: The overall score combines the element scores in the same shape as the use-of-resources rule
    4 if two or more elements score 4 and none below 3; 3 if three or more score 3 or above and none
    below 2; 2 if three or more score 2 or above; 1 otherwise. These counts and floors are the brief's
    defaults: the scenario pins them, and fails saying so if the rules are tuned.

    @brief_default
    Scenario Outline: With the brief's default bands, elements scoring <indicators>, <direction>, <resources> and <risk> give an overall <overall>
      Given the overall score keeps the brief's default bands:
        | overall score          | needs at least | elements scoring | and none below |
        | 4, performing strongly | 2              | 4 or above       | 3              |
        | 3, performing well     | 3              | 3 or above       | 2              |
        | 2, adequate            | 3              | 2 or above       |                |
      And an area whose elements score:
        | element                | score        |
        | National Indicator Set | <indicators> |
        | direction of travel    | <direction>  |
        | use of resources       | <resources>  |
        | risk assessment        | <risk>       |
      Then the overall score is <overall>, <label>

      Examples: performing strongly: two or more elements at 4 and none below 3
        | indicators | direction | resources | risk | overall | label               |
        | 4          | 4         | 3         | 3    | 4       | performing strongly |
        | 3          | 4         | 3         | 4    | 4       | performing strongly |
        | 4          | 4         | 4         | 4    | 4       | performing strongly |
        | 4          | 3         | 3         | 3    | 3       | performing well     |
        | 3          | 3         | 4         | 3    | 3       | performing well     |
        | 4          | 4         | 3         | 2    | 3       | performing well     |
        | 4          | 4         | 4         | 2    | 3       | performing well     |

      Examples: performing well: three or more elements at 3 or above and none below 2
        | indicators | direction | resources | risk | overall | label           |
        | 3          | 3         | 3         | 2    | 3       | performing well |
        | 4          | 3         | 3         | 2    | 3       | performing well |
        | 2          | 3         | 3         | 3    | 3       | performing well |
        | 3          | 3         | 3         | 3    | 3       | performing well |
        | 3          | 3         | 2         | 2    | 2       | adequate        |
        | 4          | 2         | 4         | 2    | 2       | adequate        |
        | 1          | 3         | 3         | 3    | 2       | adequate        |
        | 3          | 1         | 3         | 3    | 2       | adequate        |
        | 3          | 3         | 1         | 3    | 2       | adequate        |
        | 3          | 3         | 3         | 1    | 2       | adequate        |
        | 4          | 4         | 4         | 1    | 2       | adequate        |

      Examples: adequate: three or more elements at 2 or above; inadequate otherwise
        | indicators | direction | resources | risk | overall | label      |
        | 2          | 2         | 2         | 1    | 2       | adequate   |
        | 2          | 2         | 2         | 2    | 2       | adequate   |
        | 1          | 2         | 2         | 2    | 2       | adequate   |
        | 2          | 2         | 1         | 1    | 1       | inadequate |
        | 4          | 4         | 1         | 1    | 1       | inadequate |
        | 1          | 1         | 4         | 4    | 1       | inadequate |
        | 2          | 1         | 1         | 1    | 1       | inadequate |
        | 1          | 1         | 1         | 1    | 1       | inadequate |

  Rule: For direction of travel and use of resources, the lead council's judgements count
    In a two-tier area the county council leads: its judgements count towards the overall score, not
    a district's. District councils are never lost inside the county-wide view: each keeps its own
    judgements in the result.

    Scenario: In a two-tier area the county's judgements count, and the districts keep their own
      Given a county council called Wealdshire
      And a district council called Harrowden
      And an area whose elements score:
        | element                | score | for        |
        | National Indicator Set | 4     |            |
        | direction of travel    | 4     | Wealdshire |
        | use of resources       | 4     | Wealdshire |
        | risk assessment        | 4     |            |
        | direction of travel    | 1     | Harrowden  |
        | use of resources       | 1     | Harrowden  |
      Then the overall score is 4, performing strongly
      And Harrowden's direction of travel is 1, not improving adequately
      And Harrowden's use of resources is 1, inadequate
      And Wealdshire's use of resources is 4, performing strongly

    @brief_default
    Scenario: With the brief's default bands, a weak county holds the overall score down however strong its districts
      Given the overall score keeps the brief's default bands:
        | overall score          | needs at least | elements scoring | and none below |
        | 4, performing strongly | 2              | 4 or above       | 3              |
        | 3, performing well     | 3              | 3 or above       | 2              |
        | 2, adequate            | 3              | 2 or above       |                |
      And a county council called Wealdshire
      And a district council called Harrowden
      And an area whose elements score:
        | element                | score | for        |
        | National Indicator Set | 4     |            |
        | direction of travel    | 1     | Wealdshire |
        | use of resources       | 1     | Wealdshire |
        | risk assessment        | 4     |            |
        | direction of travel    | 4     | Harrowden  |
        | use of resources       | 4     | Harrowden  |
      Then the overall score is 1, inadequate
      And Harrowden's use of resources is 4, performing strongly

  Rule: With fewer elements judged than the rules need, there is no overall score
    The brief says nothing about an area where an element is not judged: it sets no least number of
    elements and never says to withhold the overall score. These are the rules' own choices where the
    brief is silent: with fewer elements judged than they need, they give no overall score, rather than
    count a missing element as 0 or combine the rest, and the result says how many elements were judged
    (for direction of travel and use of resources, the lead council's) and how many are needed. The
    rules need all four. That number is theirs, not the brief's; these scenarios pin it with the same
    first step and tag as the brief's default numbers, so that they fail at that step if it is tuned.

    @brief_default
    Scenario Outline: With four elements needed (the rules' choice), <judged> judged give no overall score
      Given the rules keep their default elements needed for an overall score of 4
      And an area whose elements score:
        | element                | score        |
        | National Indicator Set | <indicators> |
        | direction of travel    | <direction>  |
        | use of resources       | <resources>  |
        | risk assessment        | <risk>       |
      Then the overall score is not given, as only <judged> of the 4 elements needed are judged

      Examples: one element fewer than needed, or only one
        | indicators | direction  | resources  | risk       | judged |
        | 3          | 3          | 3          | not judged | 3      |
        | 3          | 3          | not judged | 3          | 3      |
        | 3          | not judged | 3          | 3          | 3      |
        | not judged | 2          | 3          | 3          | 3      |
        | not judged | not judged | not judged | 3          | 1      |

    Scenario: With every element judged and a lead council, the result notes neither a missing element nor a missing lead council
      Given an area whose elements score:
        | element                | score |
        | National Indicator Set | 3     |
        | direction of travel    | 3     |
        | use of resources       | 3     |
        | risk assessment        | 3     |
      Then the overall score is given, and no element is said to be missing
      And the overall score says nothing of a missing lead council

    @brief_default
    Scenario Outline: With four elements needed (the rules' choice), an area with no lead council has no overall score
      The brief says the lead council's judgements count for direction of travel and use of resources,
      but not what to do when no body is marked as the lead council. The rules' choice where the brief is
      silent: the per-body elements cannot count, even one of them; only the area's own two elements do,
      and the result says why.

      Given the rules keep their default elements needed for an overall score of 4
      And a district council called Harrowden
      And an area whose elements score, with no body marked as the lead council:
        | element                | score       |
        | National Indicator Set | 3           |
        | direction of travel    | <direction> |
        | use of resources       | 3           |
        | risk assessment        | 3           |
      Then the overall score counts only the area's own elements, as no body is marked as the lead council
      And the overall score is not given, as only 2 of the 4 elements needed are judged
      And Harrowden's use of resources is 3, performing well

      Examples: both per-body elements judged, or one
        | direction  |
        | 3          |
        | not judged |

    @brief_default
    Scenario: With four elements needed (the rules' choice), no lead council and no per-body element judged, the result does not mention the lead council
      With no per-body element judged, the missing lead council leaves nothing out, so the result has
      no note about it (the rules' choice, as above); it still says too few elements are judged.
      Given the rules keep their default elements needed for an overall score of 4
      And a district council called Harrowden
      And an area whose elements score, with no body marked as the lead council:
        | element                | score |
        | National Indicator Set | 3     |
        | risk assessment        | 3     |
      Then the overall score says nothing of a missing lead council
      And the overall score is not given, as only 2 of the 4 elements needed are judged

  Rule: A red flag on a safeguarding or vulnerable-people outcome caps the overall score
    CPA's rule that a council could not be rated "fair" or above with a one-star social services score,
    upheld in R (Ealing) v Audit Commission [2005] EWCA Civ 556. The cap is the brief's cap of 2; the
    trail shows it: the score the elements gave, and that the cap held it down. A red flag on an
    outcome that does not concern vulnerable people does not cap, and a score already at or below the
    cap is unchanged.

    @brief_default
    Scenario: A red flag on a safeguarding outcome holds the overall score to the safeguarding cap, whatever the cap is set to
      The cap is read from the rules; the scenario pins only the brief's rule that one such red flag is enough.

      Given the rules keep the brief's default safeguarding red flags needed for the cap of 1
      And an area whose elements score:
        | element                | score | because of                           |
        | National Indicator Set | 4     |                                      |
        | direction of travel    | 4     |                                      |
        | use of resources       | 4     |                                      |
        | risk assessment        | 2     | a red flag on a safeguarding outcome |
      Then the overall score is no higher than the safeguarding cap

    @brief_default
    Scenario Outline: With the brief's cap of 2 and its default bands, a red flag on <which outcome> and elements giving <uncapped>: the overall score is <overall>
      Given the rules keep the brief's default safeguarding cap of 2
      And the rules keep the brief's default safeguarding red flags needed for the cap of 1
      And the overall score keeps the brief's default bands:
        | overall score          | needs at least | elements scoring | and none below |
        | 4, performing strongly | 2              | 4 or above       | 3              |
        | 3, performing well     | 3              | 3 or above       | 2              |
        | 2, adequate            | 3              | 2 or above       |                |
      And an area whose elements score:
        | element                | score        | because of                     |
        | National Indicator Set | <indicators> |                                |
        | direction of travel    | <direction>  |                                |
        | use of resources       | <resources>  |                                |
        | risk assessment        | <risk>       | <red flags> on <which outcome> |
      Then the overall score is <overall>, <label>, <cap>

      Examples: above the cap: held down, and the trail shows it
        | indicators | direction | resources | risk | red flags  | which outcome                           | uncapped | overall | label    | cap                                      |
        | 4          | 4         | 4         | 2    | a red flag | a safeguarding outcome                  | 3        | 2       | adequate | held down from 3 by the safeguarding cap |
        | 3          | 3         | 3         | 2    | a red flag | an outcome concerning vulnerable people | 3        | 2       | adequate | held down from 3 by the safeguarding cap |

      Examples: at or below the cap: unchanged
        | indicators | direction | resources | risk | red flags  | which outcome          | uncapped | overall | label      | cap                                   |
        | 4          | 4         | 2         | 2    | a red flag | a safeguarding outcome | 2        | 2       | adequate   | not held down by the safeguarding cap |
        | 2          | 2         | 2         | 2    | a red flag | a safeguarding outcome | 2        | 2       | adequate   | not held down by the safeguarding cap |
        | 2          | 2         | 1         | 1    | red flags  | safeguarding outcomes  | 1        | 1       | inadequate | not held down by the safeguarding cap |

      Examples: a red flag on an outcome that does not concern vulnerable people does not cap
        | indicators | direction | resources | risk | red flags  | which outcome                                      | uncapped | overall | label           | cap                                   |
        | 4          | 4         | 4         | 2    | a red flag | an outcome that does not concern vulnerable people | 3        | 3       | performing well | not held down by the safeguarding cap |
        | 3          | 3         | 3         | 2    | a red flag | an outcome that does not concern vulnerable people | 3        | 3       | performing well | not held down by the safeguarding cap |

  Rule: Where a body scored itself on an element, its self-assessment is accurate, optimistic or pessimistic
    Accurate when its own score equals the judgement, optimistic when higher, pessimistic when lower.
    For the National Indicator Set and the risk assessment, which are judged for the area, a body's own
    score is compared with the area's; for direction of travel and use of resources, with its own. The
    brief does not say what to do with a self-assessment that has no judgement to compare it with; the
    rules' choice is to keep it in a note, not lose it.

    Scenario Outline: The lead council scored itself <self> for <element>, judged <judged>: its self-assessment is <verdict>
      Given an area whose elements score:
        | element   | score    |
        | <element> | <judged> |
      And the lead council scored itself <self> for <element>
      Then the lead council's self-assessment of <element> is <verdict>

      Examples: equal, one above, one below
        | element                | judged | self | verdict     |
        | use of resources       | 3      | 3    | accurate    |
        | use of resources       | 3      | 4    | optimistic  |
        | use of resources       | 3      | 2    | pessimistic |
        | direction of travel    | 2      | 2    | accurate    |
        | direction of travel    | 2      | 3    | optimistic  |
        | direction of travel    | 2      | 1    | pessimistic |
        | National Indicator Set | 4      | 4    | accurate    |
        | National Indicator Set | 2      | 3    | optimistic  |
        | National Indicator Set | 4      | 3    | pessimistic |
        | risk assessment        | 1      | 1    | accurate    |
        | risk assessment        | 1      | 2    | optimistic  |
        | risk assessment        | 3      | 2    | pessimistic |

    Scenario: In a two-tier area a district's self-assessment is compared with its own judgement, and the area's
      Harrowden, a district, scores itself; its use of resources is its own, the risk assessment the area's.

      Given a county council called Wealdshire
      And a district council called Harrowden
      And an area whose elements score:
        | element          | score | for        |
        | use of resources | 4     | Wealdshire |
        | risk assessment  | 3     |            |
      And Harrowden's themes all score 2
      And it scored itself 2 for use of resources
      And it scored itself 4 for risk assessment
      Then Harrowden's use of resources is 2, adequate
      And its self-assessment of use of resources is accurate
      And its self-assessment of risk assessment is optimistic

    Scenario: A self-assessment with no judgement to compare it with is noted, not lost
      A police force gets no direction of travel, so its own score for it has nothing to be compared with
      (the rules' choice, as above).

      Given a county council called Wealdshire
      And a police force called Wealdshire Police
      And it scored itself 3 for direction of travel
      Then its self-assessment of direction of travel is noted, with no judgement to compare it with
