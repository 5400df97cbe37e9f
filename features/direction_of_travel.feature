Feature: Direction of travel
  Each council gets its own direction of travel: is it improving? Two questions drive it: what
  evidence is there of the council improving outcomes, and how much progress is it making in
  implementing its improvement plan. The evidence is the share of the council's indicators that
  improved on last year (of those with a value for last year) and the share of its improvement-plan
  milestones delivered (delivered out of planned). A share with nothing to count is 0.

  The scale: 4 improving strongly, 3 improving well, 2 improving adequately, 1 not improving adequately.
  By default, improving strongly needs at least 65% of the council's indicators improved and at least
  80% of its milestones delivered; improving well at least 50% improved and at least 60% delivered;
  improving adequately at least 35% improved or at least 50% delivered; any other council is not
  improving adequately. The scenarios read these thresholds from the rules under test: "the improving
  well share" of a council's indicators is the share improved that improving well needs, and of its
  milestones the share delivered that it needs.

  Rule: Only councils get a direction of travel

    Scenario Outline: Every kind of council is judged
      Given a <kind> called <name>
      And its indicators improved on last year in all of 20 cases
      And it delivered all of its improvement-plan milestones
      Then <name>'s direction of travel is 4, improving strongly

      Examples:
        | kind                 | name           |
        | county council       | Leicestershire |
        | district council     | Melton         |
        | unitary council      | Nottingham     |
        | metropolitan council | Barnsley       |
        | london borough       | Camden         |

    Scenario Outline: Police, fire and rescue and primary care trusts get no direction of travel, though they get use of resources
      Given a <kind> called <name>
      And its indicators improved on last year in all of 20 cases
      And it delivered all of its improvement-plan milestones
      And its themes score 3 for managing finances, 3 for governing the business and 3 for managing resources
      Then it has no direction of travel, as it is not a council
      And its use of resources is 3, performing well

      Examples:
        | kind                    | name                                  |
        | police force            | Leicestershire Constabulary           |
        | fire and rescue service | Leicestershire Fire and Rescue        |
        | primary care trust      | Leicestershire County and Rutland PCT |

  Rule: The evidence is the share of indicators improved and the share of milestones delivered

    @brief_default
    Scenario: Nottingham was improving well, having improved just over half of its 104 indicators (the brief's default numbers)
      The 104 indicators and the improvement described as "just over half" are the published facts;
      the milestones are illustrative.

      Given the rules keep the brief's default improving well share improved of 50%
      And the rules keep the brief's default improving well share delivered of 60%
      And the rules keep the brief's default improving strongly share improved of 65%
      And a unitary council called Nottingham
      And its indicators improved on last year in 53 of 104 cases
      And it delivered 7 of its 10 improvement-plan milestones
      Then its direction of travel counts 53 of its 104 indicators improved and 7 of its 10 milestones delivered
      And its direction of travel is 3, improving well

    Scenario Outline: An indicator that moved no more than the stable band is stable, not improved
      A change of no more than the stable band of last year's value is stable, and exactly the band is
      still stable: such an indicator did not improve.

      Given a council whose indicators include 4 that rose by <change> on last year
      And it delivered all of its improvement-plan milestones
      Then its direction of travel counts <improved> of its 4 indicators improved and all of its milestones delivered
      And its direction of travel is <score>, <label>

      Examples:
        | change                     | improved | score | label                |
        | just below the stable band | 0        | 2     | improving adequately |
        | exactly the stable band    | 0        | 2     | improving adequately |
        | just above the stable band | 4        | 4     | improving strongly   |

    Scenario: Only indicators with a value for last year are counted
      Given a council whose indicators improved on last year in all of 10 cases
      And its indicators include 10 with no value for last year
      And it delivered all of its improvement-plan milestones
      Then its direction of travel counts 10 of its 10 indicators with a value for last year improved and all of its milestones delivered
      And its direction of travel is 4, improving strongly

    Scenario: The share delivered is the milestones delivered out of those planned
      Given a district council called Rushcliffe
      And its improvement plan has the milestones:
        | milestone                                        | delivered |
        | Open the new leisure centre                      | yes       |
        | Halve the time taken to decide planning requests | yes       |
        | Start weekly food waste collection               | no        |
        | Publish the housing strategy                     | yes       |
      Then its direction of travel counts none of its indicators improved and 3 of its 4 milestones delivered

    Scenario: A council with indicators but no milestones has delivered none of them
      Given a council whose indicators improved on last year in all of 20 cases
      And its improvement plan has no milestones
      Then its direction of travel counts 20 of its 20 indicators improved and 0% of its milestones delivered
      And its direction of travel is 2, improving adequately

    Scenario: A council with milestones but no indicators has improved none of them
      Given a council that delivered all of its 6 improvement-plan milestones
      Then its direction of travel counts 0% of its indicators improved and 6 of its 6 milestones delivered
      And its direction of travel is 2, improving adequately

    Scenario: A council whose indicators have no value for last year has improved none of them
      Given a council whose indicators include 20 with no value for last year
      And its improvement plan has no milestones
      Then its direction of travel counts 0% of its indicators improved and 0% of its milestones delivered
      And its direction of travel is 1, not improving adequately

    Scenario: A council with neither indicators nor milestones is not judged, and the result says so
      Given a district council called Melton
      And its improvement plan has no milestones
      Then it has no direction of travel, and the result says it had nothing to judge it on

  Rule: The bands, each share just below, at and just above its threshold

    Scenario Outline: Improving strongly needs both shares at the improving strongly thresholds
      Given a council whose indicators improved on last year in <improved> of cases
      And it delivered <delivered> of its improvement-plan milestones
      Then its direction of travel is <score>, <label>

      Examples:
        | improved                                 | delivered                                | score | label              |
        | just below the improving strongly share  | all                                      | 3     | improving well     |
        | exactly the improving strongly share     | all                                      | 4     | improving strongly |
        | just above the improving strongly share  | all                                      | 4     | improving strongly |
        | all                                      | just below the improving strongly share  | 3     | improving well     |
        | all                                      | exactly the improving strongly share     | 4     | improving strongly |
        | all                                      | just above the improving strongly share  | 4     | improving strongly |
        | exactly the improving strongly share     | exactly the improving strongly share     | 4     | improving strongly |

    Scenario Outline: Improving well needs both shares at the improving well thresholds
      Given a council whose indicators improved on last year in <improved> of cases
      And it delivered <delivered> of its improvement-plan milestones
      Then its direction of travel is <score>, <label>

      Examples:
        | improved                            | delivered                           | score | label                |
        | just below the improving well share | exactly the improving well share    | 2     | improving adequately |
        | exactly the improving well share    | exactly the improving well share    | 3     | improving well       |
        | just above the improving well share | exactly the improving well share    | 3     | improving well       |
        | exactly the improving well share    | just below the improving well share | 2     | improving adequately |
        | exactly the improving well share    | just above the improving well share | 3     | improving well       |

    Scenario Outline: Improving adequately needs either share at its threshold: either one alone is enough
      Given a council whose indicators improved on last year in <improved> of cases
      And it delivered <delivered> of its improvement-plan milestones
      Then its direction of travel is <score>, <label>

      Examples: the share improved alone
        | improved                                  | delivered | score | label                    |
        | just below the improving adequately share | none      | 1     | not improving adequately |
        | exactly the improving adequately share    | none      | 2     | improving adequately     |
        | just above the improving adequately share | none      | 2     | improving adequately     |

      Examples: the share delivered alone
        | improved | delivered                                 | score | label                    |
        | none     | just below the improving adequately share | 1     | not improving adequately |
        | none     | exactly the improving adequately share    | 2     | improving adequately     |
        | none     | just above the improving adequately share | 2     | improving adequately     |

      Examples: two shares each just short do not add up to enough
        | improved                                  | delivered                                 | score | label                    |
        | just below the improving adequately share | just below the improving adequately share | 1     | not improving adequately |

  Rule: In a two-tier area the county and each district are judged apart

    Scenario: The county and its districts each get their own direction of travel, each on its own indicators and milestones
      Given a county council called Leicestershire
      And a district council called Melton
      And a district council called Charnwood
      And the councils' indicators and milestones are:
        | council        | indicators | improved | milestones | delivered |
        | Leicestershire | 20         | 20       | 10         | 10        |
        | Melton         | 10         | 0        | 4          | 0         |
      Then Leicestershire's direction of travel is 4, improving strongly
      And Leicestershire's direction of travel counts 20 of its 20 indicators improved and 10 of its 10 milestones delivered
      And Melton's direction of travel is 1, not improving adequately
      And Melton's direction of travel counts 0 of its 10 indicators improved and 0 of its 4 milestones delivered
      And Charnwood has no direction of travel, and the result says it had nothing to judge it on
