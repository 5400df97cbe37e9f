Feature: Use of resources
  Each council and each other public body gets its own use of resources judgement, on the
  common scale: 4 performing strongly, 3 performing well, 2 adequate, 1 inadequate.

  Scenario: Cheltenham, 2008/09: themes scoring 3, 2 and 3 give 3
    Given a council whose themes score 3 for managing finances, 2 for governing the business and 3 for managing resources
    Then its use of resources is 3, performing well

  Scenario: A KLOE scored 1 is to be reassessed next year
    Given a council whose KLOE 1.1 is scored 3 and KLOE 1.2 is scored 1
    Then KLOE 1.2 is to be reassessed next year
    And KLOE 1.1 is not to be reassessed next year
    And its managing finances theme scores 1
    And its governing the business theme has no score
