Feature: Use of resources in 2007/08: the CPA rule for five themes
  Until 2007/08 the use of resources judgement followed the Audit Commission's CPA-era rule for five
  themes: financial reporting (KLOEs 1.1 and 1.2), financial management (2.1 to 2.3), financial
  standing (3.1), internal control (4.1 to 4.3) and value for money (5.1 and 5.2). From 2008/09 CAA
  adapted it to three themes (see use_of_resources.feature); the rules for each period judge the
  evidence for that period.

  The CPA-era rule: 4 if two or more themes at 4 and none below 3; 3 if three or more at 3 or above and
  none below 2; 2 if three or more at 2 or above; 1 otherwise. A theme scores as in 2008/09: the lower
  median of its assessed KLOEs, never more than one above its lowest, and a KLOE scored 1 is
  reassessed the following year.

  Background:
    Given the assessment period is 2007/08

  @brief_default
  Scenario Outline: The overall score from the five theme scores
    Given the rules keep the brief's default themes needed for performing well of 3
    And the rules keep the brief's default themes needed for adequate of 3
    And a council whose themes score <reporting> for financial reporting, <management> for financial management, <standing> for financial standing, <control> for internal control and <value> for value for money
    Then its use of resources is <score>, <label>

    Examples: 4 if two or more themes at 4 and none below 3
      | reporting | management | standing | control | value | score | label               |
      | 4         | 4          | 3        | 3       | 3     | 4     | performing strongly |
      | 4         | 4          | 4        | 4       | 4     | 4     | performing strongly |
      | 4         | 4          | 2        | 3       | 3     | 3     | performing well     |

    Examples: 3 if three or more at 3 or above and none below 2
      | reporting | management | standing | control | value | score | label               |
      | 3         | 3          | 3        | 2       | 2     | 3     | performing well     |
      | 3         | 3          | 2        | 2       | 2     | 2     | adequate            |
      | 4         | 4          | 4        | 1       | 2     | 2     | adequate            |

    Examples: 2 if three or more at 2 or above; 1 otherwise
      | reporting | management | standing | control | value | score | label               |
      | 2         | 2          | 2        | 1       | 1     | 2     | adequate            |
      | 2         | 2          | 1        | 1       | 1     | 1     | inadequate          |
      | 4         | 4          | 1        | 1       | 1     | 1     | inadequate          |

  @brief_default
  Scenario: Two themes at 3 are not enough in 2007/08, where 2008/09's rule for three themes would give 3
    Given the rules keep the brief's default themes needed for performing well of 3
    And a council called Exampleshire County Council
    And its KLOEs are scored:
      | KLOE | score |
      | 1.1  | 3     |
      | 1.2  | 3     |
      | 2.1  | 3     |
      | 2.2  | 3     |
      | 2.3  | 4     |
      | 3.1  | 2     |
      | 4.1  | 2     |
      | 4.2  | 2     |
      | 4.3  | 3     |
      | 5.1  | 2     |
      | 5.2  | 3     |
    Then its theme scores are:
      | theme                | score |
      | financial reporting  | 3     |
      | financial management | 3     |
      | financial standing   | 2     |
      | internal control     | 2     |
      | value for money      | 2     |
    And its use of resources is 2, adequate

  Scenario: A theme with no assessed KLOE is absent, not zero
    Given a council whose financial standing KLOEs are all scored 4
    And its value for money KLOEs are scored 3 and 4
    Then its financial standing theme scores 4
    And its value for money theme scores 3
    And its internal control theme has no score
    And its use of resources is 1, inadequate

  @brief_default
  Scenario: A KLOE scored 1 is to be reassessed next year, and holds its theme down
    Given the rules keep the brief's default KLOE score to be reassessed of 1
    And a council whose KLOE 4.2 is scored 1 and KLOE 4.1 is scored 3
    Then its internal control theme scores 1
    And KLOE 4.2 is to be reassessed next year
    And KLOE 4.1 is not to be reassessed next year
