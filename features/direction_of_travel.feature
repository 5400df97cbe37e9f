Feature: Direction of travel
  Each council gets its own direction of travel: is it improving? Two questions drive it: what
  evidence is there of the council improving outcomes, and how much progress is it making in
  implementing its improvement plan. The evidence is the share of the indicators the council is
  responsible for that improved on last year (of those with a value for last year) and the share of
  its improvement-plan milestones delivered (delivered out of planned). A share with nothing to count
  is 0.

  The scale: 4 improving strongly, 3 improving well, 2 improving adequately, 1 not improving adequately.
  By default, improving strongly needs at least 65% of the council's indicators improved and at least
  80% of its milestones delivered; improving well at least 50% improved and at least 60% delivered;
  improving adequately at least 35% improved or at least 50% delivered; any other council is not
  improving adequately.

  Most scenarios read these thresholds from the rules under test, so that they stay true when the
  numbers are tuned. They name each threshold after its band. For indicators, "the improving well
  share" is the share improved that improving well needs (50% by default); for milestones, it is the
  share delivered that improving well needs (60% by default). "Just under" means one indicator or
  milestone fewer than that share needs, "just over" one more. The scenarios tagged @brief_default pin
  the brief's own numbers instead.

  The councils, police forces and other bodies named are fictional, except Nottingham, the brief's own
  example.

  Rule: Only councils get a direction of travel

    Scenario Outline: Every kind of council is judged
      Given a <kind> called <name>
      And its indicators improved on last year in all of 20 cases
      And it delivered all of its improvement-plan milestones
      Then <name>'s direction of travel is 4, improving strongly

      Examples:
        | kind                 | name         |
        | county council       | Wealdshire   |
        | district council     | Harrowden    |
        | unitary council      | Ashcombe     |
        | metropolitan council | Calderbridge |
        | london borough       | Thamesbury   |

    Scenario Outline: Police, fire and rescue and primary care trusts get no direction of travel, though they get use of resources
      Given a <kind> called <name>
      And its indicators improved on last year in all of 20 cases
      And it delivered all of its improvement-plan milestones
      And its themes all score 3
      Then it has no direction of travel, as it is not a council
      And its use of resources is 3, performing well

      Examples:
        | kind                    | name                          |
        | police force            | Wealdshire Police             |
        | fire and rescue service | Wealdshire Fire and Rescue    |
        | primary care trust      | Wealdshire Primary Care Trust |

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
      These are indicators where higher is better, so a rise is an improvement. A change of no more than
      the stable band (from the National Indicator Set: 1% of last year's value by default) is stable,
      and exactly the band is still stable: such an indicator did not improve. "Just under" and "just
      over" the band are a hundredth of the band either side.

      Given a council whose indicators include 4 that rose by <change> on last year
      And it delivered all of its improvement-plan milestones
      Then its direction of travel counts <improved> of its 4 indicators improved and all of its milestones delivered
      And its direction of travel is <score>, <label>

      Examples:
        | change                     | improved | score | label                |
        | just under the stable band | 0        | 2     | improving adequately |
        | exactly the stable band    | 0        | 2     | improving adequately |
        | just over the stable band  | 4        | 4     | improving strongly   |

    Scenario: Only indicators with a value for last year are counted
      Given a council whose indicators improved on last year in all of 10 cases
      And its indicators include 10 with no value for last year
      And it delivered all of its improvement-plan milestones
      Then its direction of travel counts 10 of its 10 indicators with a value for last year improved and all of its milestones delivered
      And its direction of travel is 4, improving strongly

    Scenario: The share delivered is the milestones delivered out of those planned
      Given a district council called Harrowden
      And its improvement plan has the milestones:
        | milestone                                        | delivered |
        | Open the new leisure centre                      | yes       |
        | Halve the time taken to decide planning requests | yes       |
        | Start weekly food waste collection               | no        |
        | Publish the housing strategy                     | yes       |
      Then its direction of travel counts none of its indicators improved and 3 of its 4 milestones delivered

    Scenario: A council with indicators but no improvement-plan milestones has a share delivered of 0
      With no milestones there is nothing to count, so the share delivered is 0.

      Given a council whose indicators improved on last year in all of 20 cases
      And its improvement plan has no milestones
      Then its direction of travel counts 20 of its 20 indicators improved and 0% of its milestones delivered
      And its direction of travel is 2, improving adequately

    Scenario: A council with milestones but no indicators has a share improved of 0
      With no indicators there is nothing to count, so the share improved is 0.

      Given a council that delivered all of its 6 improvement-plan milestones
      Then its direction of travel counts 0% of its indicators improved and 6 of its 6 milestones delivered
      And its direction of travel is 2, improving adequately

    Scenario: A council whose indicators have no value for last year, and which has no milestones, has both shares 0
      It has indicators, so it is judged; but none of them has a value for last year and it has no
      milestones, so both shares have nothing to count and are 0.

      Given a council whose indicators include 20 with no value for last year
      And its improvement plan has no milestones
      Then its direction of travel counts 0% of its indicators improved and 0% of its milestones delivered
      And its direction of travel is 1, not improving adequately

    Scenario: A council with neither indicators nor milestones is not judged, and the result says so
      The brief is silent about a council with no evidence at all. Read literally, "a share with nothing
      to count is 0" would give it 0 and 0, and so a score of 1, not improving adequately. Not judging it
      is the rules' own choice: there is nothing to judge it on, so the result says so rather than
      scoring it 0 and 0.

      Given a district council called Harrowden
      And its improvement plan has no milestones
      Then it has no direction of travel, and the result says it had nothing to judge it on

  Rule: The bands, each share just under, at and just over its threshold

    @brief_default
    Scenario Outline: The brief's default bands for direction of travel
      Each row gives the council 20 indicators and 10 improvement-plan milestones. The brief's bands:
      improving strongly needs at least 65% improved and at least 80% delivered; improving well at least
      50% improved and at least 60% delivered; improving adequately at least 35% improved or at least 50%
      delivered; anything else is not improving adequately.

      Given the rules keep the brief's default improving strongly share improved of 65%
      And the rules keep the brief's default improving strongly share delivered of 80%
      And the rules keep the brief's default improving well share improved of 50%
      And the rules keep the brief's default improving well share delivered of 60%
      And the rules keep the brief's default improving adequately share improved of 35%
      And the rules keep the brief's default improving adequately share delivered of 50%
      And a council whose indicators improved on last year in <improved> of 20 cases
      And it delivered <delivered> of its 10 improvement-plan milestones
      Then its direction of travel counts <improved> of its 20 indicators improved and <delivered> of its 10 milestones delivered
      And its direction of travel is <score>, <label>

      Examples: improving strongly: at least 65% improved and at least 80% delivered
        | improved | share improved | delivered | share delivered | score | label              |
        | 13       | 65%            | 8         | 80%             | 4     | improving strongly |
        | 12       | 60%            | 8         | 80%             | 3     | improving well     |
        | 14       | 70%            | 8         | 80%             | 4     | improving strongly |
        | 13       | 65%            | 7         | 70%             | 3     | improving well     |
        | 13       | 65%            | 9         | 90%             | 4     | improving strongly |

      Examples: improving well: at least 50% improved and at least 60% delivered
        | improved | share improved | delivered | share delivered | score | label                |
        | 10       | 50%            | 6         | 60%             | 3     | improving well       |
        | 9        | 45%            | 6         | 60%             | 2     | improving adequately |
        | 11       | 55%            | 6         | 60%             | 3     | improving well       |
        | 10       | 50%            | 5         | 50%             | 2     | improving adequately |
        | 10       | 50%            | 7         | 70%             | 3     | improving well       |

      Examples: improving adequately: at least 35% improved, with none delivered
        | improved | share improved | delivered | share delivered | score | label                    |
        | 7        | 35%            | 0         | 0%              | 2     | improving adequately     |
        | 6        | 30%            | 0         | 0%              | 1     | not improving adequately |
        | 8        | 40%            | 0         | 0%              | 2     | improving adequately     |

      Examples: improving adequately: at least 50% delivered, with none improved
        | improved | share improved | delivered | share delivered | score | label                    |
        | 0        | 0%             | 5         | 50%             | 2     | improving adequately     |
        | 0        | 0%             | 4         | 40%             | 1     | not improving adequately |
        | 0        | 0%             | 6         | 60%             | 2     | improving adequately     |

      Examples: improving adequately: either share is enough, and two shares each short are not
        | improved | share improved | delivered | share delivered | score | label                    |
        | 7        | 35%            | 4         | 40%             | 2     | improving adequately     |
        | 6        | 30%            | 5         | 50%             | 2     | improving adequately     |
        | 6        | 30%            | 4         | 40%             | 1     | not improving adequately |

    Scenario Outline: Improving strongly needs both shares at the improving strongly thresholds
      Given a council whose indicators improved on last year in <improved> of cases
      And it delivered <delivered> of its improvement-plan milestones
      Then its direction of travel is <score>, <label>

      Examples:
        | improved                                | delivered                               | score | label              |
        | just under the improving strongly share | all                                     | 3     | improving well     |
        | exactly the improving strongly share    | all                                     | 4     | improving strongly |
        | just over the improving strongly share  | all                                     | 4     | improving strongly |
        | 100%                                    | just under the improving strongly share | 3     | improving well     |
        | 100%                                    | exactly the improving strongly share    | 4     | improving strongly |
        | 100%                                    | just over the improving strongly share  | 4     | improving strongly |
        | exactly the improving strongly share    | exactly the improving strongly share    | 4     | improving strongly |

    Scenario Outline: Improving well needs both shares at the improving well thresholds
      Given a council whose indicators improved on last year in <improved> of cases
      And it delivered <delivered> of its improvement-plan milestones
      Then its direction of travel is <score>, <label>

      Examples:
        | improved                            | delivered                           | score | label                |
        | just under the improving well share | exactly the improving well share    | 2     | improving adequately |
        | exactly the improving well share    | exactly the improving well share    | 3     | improving well       |
        | just over the improving well share  | exactly the improving well share    | 3     | improving well       |
        | exactly the improving well share    | just under the improving well share | 2     | improving adequately |
        | exactly the improving well share    | just over the improving well share  | 3     | improving well       |

    Scenario Outline: Improving adequately needs either share at its threshold: either one alone is enough
      Given a council whose indicators improved on last year in <improved> of cases
      And it delivered <delivered> of its improvement-plan milestones
      Then its direction of travel is <score>, <label>

      Examples: the share improved alone
        | improved                                  | delivered | score | label                    |
        | just under the improving adequately share | none      | 1     | not improving adequately |
        | exactly the improving adequately share    | none      | 2     | improving adequately     |
        | just over the improving adequately share  | none      | 2     | improving adequately     |

      Examples: the share delivered alone
        | improved | delivered                                 | score | label                    |
        | 0%       | just under the improving adequately share | 1     | not improving adequately |
        | 0%       | exactly the improving adequately share    | 2     | improving adequately     |
        | 0%       | just over the improving adequately share  | 2     | improving adequately     |

      Examples: two shares each just short do not add up to enough
        | improved                                  | delivered                                 | score | label                    |
        | just under the improving adequately share | just under the improving adequately share | 1     | not improving adequately |

  Rule: In a two-tier area the county and each district are judged apart

    Scenario: The county and its districts each get their own direction of travel, each on its own indicators and milestones
      A district with neither indicators nor milestones is not judged: as above, that is the rules'
      choice where the brief is silent.

      Given a county council called Wealdshire
      And a district council called Harrowden
      And a district council called Eastwold
      And the councils' indicators and milestones are:
        | council    | indicators | improved | milestones | delivered |
        | Wealdshire | 20         | 20       | 10         | 10        |
        | Harrowden  | 10         | 0        | 4          | 0         |
      Then Wealdshire's direction of travel is 4, improving strongly
      And Wealdshire's direction of travel counts 20 of its 20 indicators improved and 10 of its 10 milestones delivered
      And Harrowden's direction of travel is 1, not improving adequately
      And Harrowden's direction of travel counts 0 of its 10 indicators improved and 0 of its 4 milestones delivered
      And Eastwold has no direction of travel, and the result says it had nothing to judge it on

    Scenario: A council's direction of travel counts only the indicators it is responsible for
      The county's indicators do not count towards the district's share, nor the district's towards the
      county's. All four indicators are ones where higher is better.

      Given a county council called Wealdshire
      And a district council called Harrowden
      And the area's indicators are:
        | indicator | title                                       | better | previous | value | body       |
        | LPI 1     | Adult social care reviews completed on time | higher | 70       | 80    | Wealdshire |
        | LPI 2     | Library visits per 1,000 residents          | higher | 5000     | 5600  | Wealdshire |
        | LPI 3     | Planning applications decided in time       | higher | 75       | 60    | Harrowden  |
        | LPI 4     | Household waste sent for recycling          | higher | 30       | 25    | Harrowden  |
      And Wealdshire delivered all of its 4 improvement-plan milestones
      And Harrowden delivered all of its 4 improvement-plan milestones
      Then Wealdshire's direction of travel counts 2 of its 2 indicators improved and 4 of its 4 milestones delivered
      And Harrowden's direction of travel counts 0 of its 2 indicators improved and 4 of its 4 milestones delivered
      And Wealdshire's direction of travel is 4, improving strongly
      And Harrowden's direction of travel is 2, improving adequately
