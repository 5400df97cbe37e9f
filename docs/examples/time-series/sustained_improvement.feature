Feature: Sustained improvement, read from an indicator's earlier values
  A worked example of a rule that reads an indicator's earlier values (docs/rules.md, "Time series"), not CAA
  policy: an indicator is labelled "improving steadily" when it improved in each of the last three periods,
  this one included: this period against its previous value, and the two periods before it each against the
  period before that, by its history.

  Run beside the shipped rules with the example's rule file added:
    cp -r rules my-rules
    cp docs/examples/time-series/sustained_improvement.yaml my-rules/
    caa test docs/examples/time-series --rules my-rules

  The evidence is for 2008/09, so 2007/08 is one period ago.

  Background:
    Given a council called Exampleshire County Council

  Scenario: An indicator that improved in each of the last three periods is improving steadily
    Given the area's indicators are:
      | indicator | value | previous | history                             |
      | NI 192    | 47    | 44       | 2005/06: 35, 2006/07: 40, 2007/08: 44 |
    Then indicator NI 192 is labelled improving steadily

  Scenario: Lower is better: improving steadily means falling in each period
    Given the area's indicators are:
      | indicator | value | previous | history                                 |
      | NI 191    | 610   | 640      | 2005/06: 700, 2006/07: 660, 2007/08: 640 |
    Then indicator NI 191 is labelled improving steadily

  Scenario Outline: One period that did not improve is enough to break the run
    Given the area's indicators are:
      | indicator | value   | previous   | history   |
      | NI 192    | <value> | <previous> | <history> |
    Then indicator NI 192 is not labelled improving steadily

    Examples:
      | value | previous | history                             | why                                         |
      | 47    | 44       | 2006/07: 45, 2007/08: 44              | 2007/08 fell from 45 to 44                  |
      | 44    | 44       | 2005/06: 35, 2006/07: 40, 2007/08: 44 | this period did not rise: 44, as before     |
      | 47    | 44       | 2007/08: 44                           | one earlier value: only one period is known |

  Scenario: Three periods only: a fall four periods ago does not count
    Given the area's indicators are:
      | indicator | value | previous | history                                          |
      | NI 192    | 47    | 44       | 2004/05: 50, 2005/06: 35, 2006/07: 40, 2007/08: 44 |
    Then indicator NI 192 is labelled improving steadily

  Scenario: Only the last three periods count: earlier rises do not make up for a fall within them
    Given the area's indicators are:
      | indicator | value | previous | history                                          |
      | NI 192    | 47    | 44       | 2004/05: 30, 2005/06: 35, 2006/07: 46, 2007/08: 44 |
    Then indicator NI 192 is not labelled improving steadily

  Scenario: With no history, the run cannot be shown
    Given the area's indicators are:
      | indicator | value | previous |
      | NI 192    | 47    | 44       |
    Then indicator NI 192 is not labelled improving steadily
