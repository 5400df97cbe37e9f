Feature: National Indicator Set
  The area's performance against the National Indicator Set is judged once for the whole area, on the
  common scale: 4 performing strongly, 3 performing well, 2 adequate, 1 inadequate.

  Each indicator has a polarity: higher is better, or lower is better. A National Indicator (NI 1 to NI 199)
  takes its polarity from the catalogue; a local indicator (a code such as LPI 1, which the rules accept
  beside the National Indicators) states its own. The brief judges an indicator with a target against it,
  and the others against their previous value and benchmarks; the rules judge every indicator each way it
  has what that needs, since direction of travel reads every indicator's trend:
  - against its Local Area Agreement target: target met (at or better than the target), near miss (worse
    than the target by no more than the near-miss band, a share of the target), or target missed;
  - against its previous value: improved, stable (a change within the stable band, a share of the previous
    value; exactly the band is still stable) or declined;
  - against the national lower quartile, median and upper quartile: top, second, third or bottom quartile.
  The area's score reads three shares: of the targets, how many were met; of the indicators with a previous
  value, how many improved; of the benchmarked indicators, how many sit in the bottom quartile.

  Where a scenario speaks of a band or a threshold by name ("the near-miss band", "the performing well share
  met") the number is read from the rules under test, so the scenario holds when staff tune it. Scenarios
  tagged @brief_default use the brief's default numbers and say so: under rules that change one of those
  numbers they fail at their first step, naming the number.

  # ---- Against the target ----------------------------------------------------------------------------

  Scenario Outline: A value at or better than the target has met it; a little worse is a near miss; beyond the near-miss band it has missed
    Given an indicator where <better> is better, with a target of <target> and a value <value>
    Then the indicator <status>

    Examples: higher is better
      | better | target | value                                                  | status                |
      | higher | 200    | just better than the target                            | has met its target    |
      | higher | 200    | at the target                                          | has met its target    |
      | higher | 200    | just worse than the target                             | is a near miss        |
      | higher | 200    | worse than the target by just under the near-miss band | is a near miss        |
      | higher | 200    | worse than the target by exactly the near-miss band    | is a near miss        |
      | higher | 200    | worse than the target by just over the near-miss band  | has missed its target |
      | higher | 200    | worse than the target by 50%                           | has missed its target |

    Examples: lower is better
      | better | target | value                                                  | status                |
      | lower  | 200    | just better than the target                            | has met its target    |
      | lower  | 200    | at the target                                          | has met its target    |
      | lower  | 200    | just worse than the target                             | is a near miss        |
      | lower  | 200    | worse than the target by just under the near-miss band | is a near miss        |
      | lower  | 200    | worse than the target by exactly the near-miss band    | is a near miss        |
      | lower  | 200    | worse than the target by just over the near-miss band  | has missed its target |
      | lower  | 200    | worse than the target by 50%                           | has missed its target |

  @brief_default
  Scenario Outline: The brief's default near-miss band of 5% of the target
    The brief's default numbers: the civic amenity recycling target of 45% (higher is better) and
    Leicestershire's target of 298 homeless 16/17-year-olds (lower is better). 5% of 45 is 2.25; 5% of
    298 is 14.9.

    Given the rules keep the brief's default near-miss band of 5%
    And an indicator where <better> is better, with a target of <target> and a value of <value>
    Then the indicator <status>

    Examples:
      | better | target | value | status                |
      | higher | 45     | 45    | has met its target    |
      | higher | 45     | 43    | is a near miss        |
      | higher | 45     | 42.75 | is a near miss        |
      | higher | 45     | 42.74 | has missed its target |
      | lower  | 298    | 298   | has met its target    |
      | lower  | 298    | 312.9 | is a near miss        |
      | lower  | 298    | 313   | has missed its target |

  Scenario: An indicator without a target has no target status, and the share met counts only those with one
    Given the area's indicators are:
      | indicator | better | value | target |
      | LPI 1     | higher | 50    |        |
      | LPI 2     | higher | 50    | 40     |
      | LPI 3     | higher | 99.99 | 100    |
      | LPI 4     | lower  | 80    | 40     |
    Then the indicators are judged:
      | indicator | target    |
      | LPI 1     | none      |
      | LPI 2     | met       |
      | LPI 3     | near miss |
      | LPI 4     | missed    |
    And the area's indicators' share of targets met is 1 of 3

  # ---- Against the previous value --------------------------------------------------------------------

  Scenario Outline: A change within the stable band of the previous value is stable, and exactly the band is still stable
    Given an indicator where <better> is better, with a previous value of <previous> and a value <value>
    Then the indicator <trend>

    Examples: higher is better
      | better | previous | value                                                        | trend        |
      | higher | 200      | at the previous value                                        | is stable    |
      | higher | 200      | just better than the previous value                          | is stable    |
      | higher | 200      | better than the previous value by just under the stable band | is stable    |
      | higher | 200      | better than the previous value by exactly the stable band    | is stable    |
      | higher | 200      | better than the previous value by just over the stable band  | has improved |
      | higher | 200      | worse than the previous value by just under the stable band  | is stable    |
      | higher | 200      | worse than the previous value by exactly the stable band     | is stable    |
      | higher | 200      | worse than the previous value by just over the stable band   | has declined |

    Examples: lower is better
      | better | previous | value                                                        | trend        |
      | lower  | 200      | at the previous value                                        | is stable    |
      | lower  | 200      | just better than the previous value                          | is stable    |
      | lower  | 200      | better than the previous value by just under the stable band | is stable    |
      | lower  | 200      | better than the previous value by exactly the stable band    | is stable    |
      | lower  | 200      | better than the previous value by just over the stable band  | has improved |
      | lower  | 200      | worse than the previous value by just under the stable band  | is stable    |
      | lower  | 200      | worse than the previous value by exactly the stable band     | is stable    |
      | lower  | 200      | worse than the previous value by just over the stable band   | has declined |

  @brief_default
  Scenario Outline: The brief's default stable band of 1%, on Test Valley's missed bin collections
    The brief's default numbers: missed bin collections per 100,000 (lower is better) were 213 last year;
    1% of 213 is 2.13.

    Given the rules keep the brief's default stable band of 1%
    And an indicator where lower is better, with a previous value of 213 and a value of <value>
    Then the indicator <trend>

    Examples:
      | value  | trend        |
      | 48     | has improved |
      | 210.86 | has improved |
      | 210.87 | is stable    |
      | 213    | is stable    |
      | 215.13 | is stable    |
      | 215.14 | has declined |

  Scenario: An indicator without a previous value has no trend, and the share improved counts only those with one
    Given the area's indicators are:
      | indicator | better | value | previous |
      | LPI 1     | higher | 50    |          |
      | LPI 2     | higher | 50    | 40       |
      | LPI 3     | higher | 50    | 50       |
      | LPI 4     | lower  | 50    | 40       |
    Then the indicators are judged:
      | indicator | trend    |
      | LPI 1     | none     |
      | LPI 2     | improved |
      | LPI 3     | stable   |
      | LPI 4     | declined |
    And the area's indicators' share improved is 1 of 3

  # ---- Against the national quartiles ----------------------------------------------------------------

  Scenario Outline: Where higher is better, the upper quartile and above is top, the median second, the lower quartile third, below it bottom
    Given an indicator where higher is better, with a value of <value> against a national lower quartile of 40, a median of 50 and an upper quartile of 60
    Then the indicator sits in the <quartile> quartile

    Examples:
      | value | quartile |
      | 60.1  | top      |
      | 60    | top      |
      | 59.9  | second   |
      | 50.1  | second   |
      | 50    | second   |
      | 49.9  | third    |
      | 40    | third    |
      | 39.9  | bottom   |

  Scenario Outline: Where lower is better, the mirror image: the lower quartile and below is top
    Given an indicator where lower is better, with a value of <value> against a national lower quartile of 40, a median of 50 and an upper quartile of 60
    Then the indicator sits in the <quartile> quartile

    Examples:
      | value | quartile |
      | 39.9  | top      |
      | 40    | top      |
      | 40.1  | second   |
      | 49.9  | second   |
      | 50    | second   |
      | 50.1  | third    |
      | 60    | third    |
      | 60.1  | bottom   |

  Scenario: An indicator without national benchmarks has no quartile, and the bottom-quartile share counts only those with them
    Given the area's indicators are:
      | indicator | better | value | lower quartile | median | upper quartile |
      | LPI 1     | higher | 50    |                |        |                |
      | LPI 2     | higher | 50    | 60             | 70     | 80             |
      | LPI 3     | higher | 65    | 60             | 70     | 80             |
      | LPI 4     | lower  | 50    | 60             | 70     | 80             |
    Then the indicators are judged:
      | indicator | quartile |
      | LPI 1     | none     |
      | LPI 2     | bottom   |
      | LPI 3     | third    |
      | LPI 4     | top      |
    And the area's indicators' share in the bottom quartile is 1 of 3

  # ---- An indicator with no better direction ---------------------------------------------------------

  Scenario Outline: An indicator with no better direction is placed among the national quartiles by its value alone
    Given the area's indicators are:
      | indicator | better | value   | lower quartile | median | upper quartile |
      | LPI 1     | none   | <value> | 40             | 50     | 60             |
    Then the indicators are judged:
      | indicator | quartile | value quartile   |
      | LPI 1     | none     | <value quartile> |

    Examples:
      | value | value quartile |
      | 60    | upper          |
      | 59.9  | upper middle   |
      | 50    | upper middle   |
      | 49.9  | lower middle   |
      | 40    | lower middle   |
      | 39.9  | lower          |

  Scenario: A contextual indicator is reported, but counts towards neither targets met nor improvement
    NI 44, the ethnic composition of offenders on youth justice disposals, has no better direction in the
    catalogue (polarity none): its value at its target is not met, and unchanged is not stable.

    Given the area's indicators are:
      | indicator | value | target | previous | lower quartile | median | upper quartile |
      | NI 44     | 5     | 5      | 5        | 1              | 3      | 6              |
      | NI 192    | 47    | 45     | 40       | 30             | 36     | 42             |
    Then the indicators are judged:
      | indicator | target | trend    | quartile | value quartile |
      | NI 44     | none   | none     | none     | upper middle   |
      | NI 192    | met    | improved | top      | none           |
    And the area's indicators' share of targets met is 1 of 1
    And the area's indicators' share improved is 1 of 1
    And the area's indicators' share in the bottom quartile is 0

  # ---- The catalogue and the brief's seed facts ------------------------------------------------------

  Scenario: A National Indicator takes its polarity from the catalogue
    NI 192, household waste reused, recycled and composted: higher is better. NI 191, residual household
    waste per household: lower is better. NI 117, 16 to 18 year olds not in education, employment or
    training: lower is better.

    Given the area's indicators are:
      | indicator | value | target | previous | lower quartile | median | upper quartile |
      | NI 192    | 38    | 36     | 34       | 30             | 35     | 40             |
      | NI 191    | 700   | 600    | 610      | 550            | 620    | 720            |
      | NI 117    | 6.2   | 6.5    | 6.6      | 5              | 6      | 7              |
    Then the indicators are judged:
      | indicator | target | trend    | quartile |
      | NI 192    | met    | improved | second   |
      | NI 191    | missed | declined | third    |
      | NI 117    | met    | improved | third    |

  Scenario: Leicestershire met its targets for homeless 16/17-year-olds and for recycling at civic amenity sites
    Leicestershire cut 16/17-year-olds presenting as homeless to 112 against a 2006-07 target of 298 (lower is
    better), and raised waste recycled at civic amenity sites to 47% from a 40% baseline against a 45% target.

    Given a county council called Leicestershire
    And the area's indicators are:
      | indicator | title                                     | better | value | target | previous |
      | LPI 1     | 16/17-year-olds presenting as homeless    | lower  | 112   | 298    |          |
      | LPI 2     | Waste recycled at civic amenity sites (%) | higher | 47    | 45     | 40       |
    Then indicator LPI 1 has met its target
    And indicator LPI 1 has no trend
    And indicator LPI 2 has met its target
    And indicator LPI 2 has improved
    And the area's indicators' share of targets met is 2 of 2
    And the area's indicators' share improved is 1 of 1
    And the area's indicators' share in the bottom quartile is 0
    And the area's National Indicator Set is 4, performing strongly

  Scenario: Test Valley cut missed bin collections from 213 to 48 per 100,000
    Given a district council called Test Valley
    And the area's indicators are:
      | indicator | title                              | better | value | previous |
      | LPI 1     | Missed bin collections per 100,000 | lower  | 48    | 213      |
    Then indicator LPI 1 has improved
    And indicator LPI 1 has no target status

  # ---- The element score -----------------------------------------------------------------------------

  Scenario Outline: Performing strongly needs enough targets met, enough indicators improved and few in the bottom quartile
    Given the area's indicators meet <met> of their targets, <improved> of them improved and <bottom> of those benchmarked sit in the bottom quartile
    Then the area's National Indicator Set is <score>, <label>

    Examples:
      | met                                          | improved                                          | bottom                                                   | score | label               |
      | at the performing strongly share met         | at the performing strongly share improved         | at the performing strongly bottom-quartile share         | 4     | performing strongly |
      | just above the performing strongly share met | just above the performing strongly share improved | just below the performing strongly bottom-quartile share | 4     | performing strongly |
      | just below the performing strongly share met | at the performing strongly share improved         | at the performing strongly bottom-quartile share         | 3     | performing well     |
      | at the performing strongly share met         | just below the performing strongly share improved | at the performing strongly bottom-quartile share         | 3     | performing well     |
      | at the performing strongly share met         | at the performing strongly share improved         | just above the performing strongly bottom-quartile share | 3     | performing well     |

  Scenario Outline: Performing well needs enough targets met and enough indicators improved
    Given the area's indicators meet <met> of their targets, <improved> of them improved and none of those benchmarked sit in the bottom quartile
    Then the area's National Indicator Set is <score>, <label>

    Examples:
      | met                                      | improved                                      | score | label           |
      | at the performing well share met         | at the performing well share improved         | 3     | performing well |
      | just above the performing well share met | just above the performing well share improved | 3     | performing well |
      | just below the performing well share met | at the performing well share improved         | 2     | adequate        |
      | at the performing well share met         | just below the performing well share improved | 2     | adequate        |

  Scenario Outline: Adequate needs enough targets met; below that the area is inadequate
    Given the area's indicators meet <met> of their targets, <improved> of them improved and none of those benchmarked sit in the bottom quartile
    Then the area's National Indicator Set is <score>, <label>

    Examples:
      | met                               | improved | score | label      |
      | just above the adequate share met | none     | 2     | adequate   |
      | at the adequate share met         | none     | 2     | adequate   |
      | just below the adequate share met | all      | 1     | inadequate |
      | none                              | all      | 1     | inadequate |

  Scenario Outline: A near miss is not a target met
    The targets not met are each missed by half the near-miss band: near misses, which count as not met.

    Given the area's indicators meet <met> of their targets and narrowly miss the rest, all of them improved and none of those benchmarked sit in the bottom quartile
    Then the area's National Indicator Set is <score>, <label>

    Examples:
      | met                                          | score | label               |
      | at the performing strongly share met         | 4     | performing strongly |
      | just below the performing strongly share met | 3     | performing well     |
      | just below the adequate share met            | 1     | inadequate          |

  Scenario Outline: With no targets at all, the share improved stands in for the share met
    Given the area's indicators have no targets, <improved> of them improved and none is benchmarked
    Then the area's indicators' share of targets met is 0
    And the area's National Indicator Set is <score>, <label>

    Examples:
      | improved                                     | score | label               |
      | all                                          | 4     | performing strongly |
      | at the performing strongly share met         | 4     | performing strongly |
      | just below the performing strongly share met | 3     | performing well     |
      | at the performing well share met             | 3     | performing well     |
      | just below the performing well share met     | 2     | adequate            |
      | at the adequate share met                    | 2     | adequate            |
      | just below the adequate share met            | 1     | inadequate          |

  Scenario Outline: A share with nothing to count is 0
    With no previous values the share improved is 0, so at most adequate; with no benchmarks the share in
    the bottom quartile is 0, which does not stand in the way of performing strongly.

    Given the area's indicators meet all of their targets, <improved> and none is benchmarked
    Then the area's indicators' share <which> is 0
    And the area's National Indicator Set is <score>, <label>

    Examples:
      | improved                  | which                  | score | label               |
      | none has a previous value | improved               | 2     | adequate            |
      | all of them improved      | in the bottom quartile | 4     | performing strongly |

  Scenario: Targets exist but none is met: the share improved does not stand in
    Given the area's indicators meet none of their targets, all of them improved and none is benchmarked
    Then the area's indicators' share of targets met is 0
    And the area's National Indicator Set is 1, inadequate

  Scenario: An area whose indicators have nothing to be judged against is inadequate
    Given the area's indicators are:
      | indicator | better | value |
      | LPI 1     | higher | 50    |
      | LPI 2     | lower  | 20    |
    Then the indicators are judged:
      | indicator | target | trend | quartile |
      | LPI 1     | none   | none  | none     |
      | LPI 2     | none   | none  | none     |
    And the area's National Indicator Set is 1, inadequate

  Scenario: A single indicator is enough for the area to be judged
    Given the area's indicators are:
      | indicator | better | value | target |
      | LPI 1     | higher | 50    | 100    |
    Then the indicators are judged:
      | indicator | target | trend | quartile |
      | LPI 1     | missed | none  | none     |
    And the area's National Indicator Set is 1, inadequate

  Scenario: An area with no indicators is not judged
    The brief does not say what becomes of an area with no indicators at all. The rules give it no
    score, rather than counting its empty shares as 0 and calling it inadequate: there is nothing to
    judge it on.

    Given a council called Eastwold Council
    Then the area's National Indicator Set is not judged

  @brief_default
  Scenario Outline: The brief's default bands, on 20 indicators each with a target, a previous value and benchmarks
    The brief's defaults: 4 if at least 75% of targets are met, at least 50% improved and no more than 10% in
    the bottom quartile; 3 if at least 60% met and at least 40% improved; 2 if at least 40% met; else 1.

    Given the rules keep the brief's default performing strongly share met of 75%
    And the rules keep the brief's default performing strongly share improved of 50%
    And the rules keep the brief's default performing strongly bottom-quartile share of 10%
    And the rules keep the brief's default performing well share met of 60%
    And the rules keep the brief's default performing well share improved of 40%
    And the rules keep the brief's default adequate share met of 40%
    And the area's indicators meet <met> of their targets, <improved> of them improved and <bottom> of those benchmarked sit in the bottom quartile
    Then the area's National Indicator Set is <score>, <label>

    Examples:
      | met      | improved | bottom   | score | label               |
      | 15 of 20 | 10 of 20 | 2 of 20  | 4     | performing strongly |
      | 14 of 20 | 10 of 20 | 2 of 20  | 3     | performing well     |
      | 15 of 20 | 9 of 20  | 2 of 20  | 3     | performing well     |
      | 15 of 20 | 10 of 20 | 3 of 20  | 3     | performing well     |
      | 12 of 20 | 8 of 20  | 20 of 20 | 3     | performing well     |
      | 11 of 20 | 8 of 20  | 0 of 20  | 2     | adequate            |
      | 12 of 20 | 7 of 20  | 0 of 20  | 2     | adequate            |
      | 8 of 20  | 0 of 20  | 0 of 20  | 2     | adequate            |
      | 7 of 20  | 20 of 20 | 0 of 20  | 1     | inadequate          |
