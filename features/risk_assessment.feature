Feature: Risk assessment
  The risk assessment looks at the area as a whole: how well its priority outcomes are being
  delivered, and what its innovations have achieved. It raises a red flag for a significant
  concern about outcomes, performance or future prospects that is not being tackled adequately,
  and a green flag for innovative or exceptional success. There are "no automatic red flags if
  the issues are known and action is being taken". A failure whose risk was calculated is an
  honourable failure and raises no red flag: the test is set out in full in "Honourable failure".

  The area's risk assessment is scored from its flags on the common scale: 4, performing
  strongly, with no red flag and at least the number of green flags for performing strongly
  (1 by default); 3, performing well, with no red flag; 2, adequate, with red flags up to the
  number an adequate area may have (1 by default); 1, inadequate, with more. The scenarios read
  those two numbers from the rules under test, so they stay true when the numbers are tuned.

  Rule: An outcome at risk is a red flag, unless its problem is known and action is in place

    Scenario Outline: An at-risk priority outcome whose problem is <known> and action <action>
      Given a priority outcome "Fewer teenage pregnancies" that is at risk
      And its problem is <known> and action is <action>
      Then it is <verdict>

      Examples:
        | known     | action       | verdict                                    |
        | known     | in place     | known and in hand, with a note and no flag |
        | known     | not in place | a concern not tackled, with a red flag     |
        | not known | in place     | a concern not tackled, with a red flag     |
        | not known | not in place | a concern not tackled, with a red flag     |

  Rule: For a failed outcome, the honourable-failure test comes first, then a known problem with action in place; anything else is an unmanaged failure

    Scenario Outline: A failed priority outcome that <test> the honourable-failure test, its problem <known> and action <action>
      Given a priority outcome "Town centre regeneration" that failed
      And it <test> the honourable-failure test
      And its problem is <known> and action is <action>
      Then it is <verdict>
      And the area has <red flags>

      Examples:
        | test   | known     | action       | verdict                                    | red flags   |
        | passes | known     | in place     | an honourable failure                      | no red flag |
        | passes | not known | not in place | an honourable failure                      | no red flag |
        | misses | known     | in place     | known and in hand, with a note and no flag | no red flag |
        | misses | known     | not in place | an unmanaged failure, with a red flag      | 1 red flag  |
        | misses | not known | in place     | an unmanaged failure, with a red flag      | 1 red flag  |
        | misses | not known | not in place | an unmanaged failure, with a red flag      | 1 red flag  |

    Scenario Outline: A failed innovation takes the honourable-failure test alone: it <test> it
      An innovation has no "known problem, action in place" path: the test alone decides.

      Given an innovation "Community energy co-operative" that failed
      And it <test> the honourable-failure test
      Then it is <verdict>

      Examples:
        | test   | verdict                               |
        | passes | an honourable failure                 |
        | misses | an unmanaged failure, with a red flag |

  Rule: An outcome that exceeded, or an innovation that succeeded and shared its learning, is a green flag

    Scenario: A priority outcome that exceeded what was planned is a green flag
      Given a priority outcome "Household waste recycled" that exceeded
      Then it is an exceptional success, with a green flag
      And the area has 0 red flags and 1 green flag

    Scenario Outline: An innovation that <status> and whose learning <shared>
      Given an innovation "Digital library service" that <status>
      And its learning <shared>
      Then it is <verdict>

      Examples:
        | status         | shared         | verdict                                  |
        | succeeded      | was shared     | an innovative success, with a green flag |
        | succeeded      | was not shared | not flagged                              |
        | is in progress | was shared     | not flagged                              |

    Scenario: A priority outcome on track raises no flag
      Given a priority outcome "Cleaner streets" that is on track
      Then it is not flagged
      And the area's risk assessment is 3, performing well

    Scenario: Each outcome's flag, by colour and by kind
      Given a priority outcome "Household waste recycled" that exceeded
      And a priority outcome "Town centre regeneration" that failed
      And the risk register has no entry for it
      And a priority outcome "Community transport pilot" that failed
      And it passes the honourable-failure test
      Then the outcome "Household waste recycled" has a green flag
      And "Household waste recycled" has an exceptional_success flag
      And "Household waste recycled" has no red flag
      And "Town centre regeneration" has a red flag
      And "Town centre regeneration" has an unmanaged_failure flag
      And "Town centre regeneration" has no green flag
      And it has an honourable_failure flag
      And it has no red flag
      And it has no green flag
      And the area has 1 red flag and 1 green flag
      And the area has one honourable_failure flag
      And the area has no concern_not_tackled flag

  Rule: The area's score: no red flag and enough green flags is 4, no red flag is 3

    Scenario Outline: With no red flag, the number of green flags for performing strongly, and either side of it
      Given a priority outcome "Cleaner streets" that is on track
      And the number of priority outcomes that exceeded is <exceeded>
      Then the area has 0 red flags
      And the area's risk assessment is <score>, <label>

      Examples:
        | exceeded                                                         | score | label               |
        | one fewer than the number of green flags for performing strongly | 3     | performing well     |
        | equal to the number of green flags for performing strongly       | 4     | performing strongly |
        | one more than the number of green flags for performing strongly  | 4     | performing strongly |

    Scenario: Innovations that succeeded and shared their learning count as green flags too
      Given the number of innovations that succeeded and shared their learning is equal to the number of green flags for performing strongly
      Then the area has 0 red flags
      And the area's risk assessment is 4, performing strongly

    Scenario: The green flags the area has are the ones its score counts, whatever raised them
      The area's flag count is every flag of that colour in the result, as the risk score counts them, not only
      the flags of one kind or one rule file.

      Given the number of priority outcomes that exceeded is one fewer than the number of green flags for performing strongly
      And an innovation "Digital library service" that succeeded
      And its learning was shared
      Then "Digital library service" has an innovative_success flag
      And the area has no red flag
      And the area's risk assessment is 4, performing strongly

    Scenario: An exceeded outcome and an innovation shared are two green flags
      Given a priority outcome "Household waste recycled" that exceeded
      And an innovation "Digital library service" that succeeded
      And its learning was shared
      Then the area has 2 green flags and no red flag
      And the area has one exceptional_success flag and one innovative_success flag

    Scenario: An area with no priority outcomes or innovations gets no risk assessment score
      The brief does not say what becomes of an area with nothing to assess. With no outcome there is
      no red flag, which would read as 3, performing well; the rules give no score instead, since
      nothing was assessed. A risk register on its own is not an outcome.

      Given the risk register has an entry "Winter flooding" that no outcome or innovation cites
      Then the area's risk assessment is not judged

  Rule: The area's score: red flags up to the number an adequate area may have is 2, more is 1

    Scenario Outline: The number of red flags an adequate area may have, and either side of it
      Given a priority outcome "Cleaner streets" that is on track
      And the number of priority outcomes at risk with no action in place is <at risk>
      Then the area's risk assessment is <score>, <label>

      Examples:
        | at risk                                                         | score | label           |
        | 0                                                               | 3     | performing well |
        | 1                                                               | 2     | adequate        |
        | equal to the number of red flags an adequate area may have      | 2     | adequate        |
        | one more than the number of red flags an adequate area may have | 1     | inadequate      |

    Scenario: A green flag does not offset a red flag
      Given the number of priority outcomes at risk with no action in place is equal to the number of red flags an adequate area may have
      And the number of priority outcomes that exceeded is one more than the number of green flags for performing strongly
      Then the area's risk assessment is 2, adequate

    Scenario: An unmanaged failure's red flag counts once
      Given a priority outcome "Town centre regeneration" that failed
      And the risk register has no entry for it
      Then the area has 1 red flag and 0 green flags
      And the area's risk assessment is 2, adequate

    @brief_default
    Scenario: With the brief's default numbers, a failure and an untackled concern are two red flags: inadequate
      This scenario pins the brief's default: an adequate area may have one red flag.

      Given the rules keep the brief's default red flags an adequate area may have of 1
      And a priority outcome "Town centre regeneration" that failed
      And the risk register has no entry for it
      And a priority outcome "Fewer teenage pregnancies" that is at risk
      And its problem is not known and action is not in place
      And a priority outcome "Household waste recycled" that exceeded
      Then the area has 2 red flags and 1 green flag
      And the area's risk assessment is 1, inadequate

    @brief_default
    Scenario: With the brief's numbers, one green flag and no red flag is 4, performing strongly
      This scenario pins the brief's numbers: at least one green flag for a 4, at most one red flag for a 2.

      Given the rules keep the brief's numbers for risk assessment
      And a priority outcome "Household waste recycled" that exceeded
      And a priority outcome "Cleaner streets" that is on track
      Then the area has 0 red flags and 1 green flag
      And the area's risk assessment is 4, performing strongly
