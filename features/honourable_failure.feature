Feature: Honourable failure
  Regulators were asked to "distinguish between calculated risk as part of the process of
  innovation and improvement, on the one hand, and unnecessary or incompetent failure, on the
  other", and to develop "a language for honourable failure".

  A failed priority outcome or innovation whose risk was calculated is an honourable failure:
  the result says so with the honourable_failure flag and raises no red flag. A failure that
  misses the test is an unmanaged failure, and a red flag.

  The test. The risk was calculated when all of these hold:
    (1) the risk was recorded in the risk register before the initiative started;
    (2) mitigations and a contingency were recorded;
    (3) the exposure was proportionate: a pilot, a staged roll-out or a capped cost;
    (4) lessons were captured and shared;
  and at least one of these:
    (5) the risk appetite was approved by the cabinet or the board;
    (6) monitoring with early-warning indicators was in place and acted on.
  A failure is never honourable where vulnerable people or safeguarding were harmed, or where
  fraud or negligence is found, whatever the risk register says. The result names every
  criterion met and missed.

  Rule: A failure whose risk was calculated is honourable; the result says why

    Scenario: A failed pilot whose risk was calculated is an honourable failure
      The entry records two mitigations and two early-warning indicators, more than the one of
      each that the rules ask for by default (the brief asks for mitigations and early-warning
      indicators without a number).

      Given a priority outcome "Community transport pilot" that failed, started on 2008-04-01
      And the risk register entry for it:
        | recorded on               | 2008-01-15                                            |
        | mitigations               | Phased release of funding, Weekly review by the board |
        | contingency               | Return to the previous bus contract          |
        | exposure                  | pilot                                                 |
        | risk appetite approved by | the cabinet                                           |
        | early-warning indicators  | Monthly passenger numbers, Cost per journey           |
        | monitoring acted on       | yes                                                   |
        | lessons captured          | yes                                                   |
        | lessons shared            | yes                                                   |
      Then it is an honourable failure
      And it raises the honourable_failure flag and no red flag
      And the result names each criterion met and missed:
        | criterion                                              | met |
        | (1) recorded before the initiative started             | yes |
        | (2) mitigations and a contingency                      | yes |
        | (3) proportionate exposure                             | yes |
        | (4) lessons captured and shared                        | yes |
        | (5) risk appetite approved by the cabinet or board     | yes |
        | (6) monitoring with early-warning indicators, acted on | yes |
      And the area has 0 red flags

    Scenario: A failure whose risk was not calculated is an unmanaged failure, and the result names what was missed
      Given a priority outcome "Shared back-office service" that failed, started on 2008-04-01
      And the risk register entry for it:
        | recorded on               | 2008-04-01 |
        | mitigations               | none       |
        | contingency               | none       |
        | exposure                  | open-ended |
        | risk appetite approved by | the board  |
        | early-warning indicators  | none       |
        | monitoring acted on       | no         |
        | lessons captured          | yes        |
        | lessons shared            | no         |
      Then it is an unmanaged failure, with a red flag
      And the result names each criterion met and missed:
        | criterion                                              | met |
        | (1) recorded before the initiative started             | no  |
        | (2) mitigations and a contingency                      | no  |
        | (3) proportionate exposure                             | no  |
        | (4) lessons captured and shared                        | no  |
        | (5) risk appetite approved by the cabinet or board     | yes |
        | (6) monitoring with early-warning indicators, acted on | no  |
      And the area has 1 red flag

    Scenario: A failure with no entry in the risk register at all is not honourable
      Given a priority outcome "Neighbourhood wardens" that failed
      And the risk register has no entry for it
      Then it is an unmanaged failure, with a red flag
      And the result names each criterion met and missed:
        | criterion                                              | met |
        | (1) recorded before the initiative started             | no  |
        | (2) mitigations and a contingency                      | no  |
        | (3) proportionate exposure                             | no  |
        | (4) lessons captured and shared                        | no  |
        | (5) risk appetite approved by the cabinet or board     | no  |
        | (6) monitoring with early-warning indicators, acted on | no  |

  Rule: Criteria (1) to (4) are all needed: missing any one alone makes the failure unmanaged

    Scenario Outline: Criterion (<number>) missed alone: the risk register entry reads <fact>: <value>
      Given a priority outcome "Community transport pilot" that failed, started on 2008-04-01
      And the risk register entry for it reads <fact>: <value>, and otherwise meets every criterion
      Then it is an unmanaged failure, with a red flag
      And the result says criterion "<criterion>" was missed, and every other criterion was met

      Examples:
        | number | criterion                              | fact             | value      |
        | 1      | recorded before the initiative started | recorded on      | 2008-04-01 |
        | 1      | recorded before the initiative started | recorded on      | 2008-06-30 |
        | 2      | mitigations and a contingency          | mitigations      | none       |
        | 2      | mitigations and a contingency          | contingency      | none       |
        | 3      | proportionate exposure                 | exposure         | open-ended |
        | 4      | lessons captured and shared            | lessons captured | no         |
        | 4      | lessons captured and shared            | lessons shared   | no         |

    Scenario Outline: (1) The risk must be recorded strictly before the initiative started: recorded <when> it started
      Given a priority outcome "Community transport pilot" that failed
      And its risk was recorded in the register on <recorded on>, <when> the initiative started on 2008-04-01, and the entry meets every other criterion
      Then it is <verdict>
      And the result says criterion "recorded before the initiative started" was <met>

      Examples:
        | recorded on | when            | verdict                               | met    |
        | 2008-03-31  | the day before  | an honourable failure                 | met    |
        | 2008-04-01  | the same day as | an unmanaged failure, with a red flag | missed |
        | 2008-04-02  | the day after   | an unmanaged failure, with a red flag | missed |

    Scenario Outline: (2) Mitigations, at least as many as the risk register must record, and a contingency
      Given a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads mitigations: <mitigations>; contingency: <contingency>, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "mitigations and a contingency" was <met>

      Examples:
        | mitigations                                                            | contingency                         | verdict                               | met    |
        | one fewer than the number of mitigations the risk register must record | Return to the previous bus contract | an unmanaged failure, with a red flag | missed |
        | equal to the number of mitigations the risk register must record       | Return to the previous bus contract | an honourable failure                 | met    |
        | one more than the number of mitigations the risk register must record  | Return to the previous bus contract | an honourable failure                 | met    |
        | one more than the number of mitigations the risk register must record  | none                                | an unmanaged failure, with a red flag | missed |

    Scenario Outline: (3) Proportionate exposure: a pilot, a staged roll-out or a capped cost, never open-ended; here <exposure>
      Given a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads exposure: <exposure>, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "proportionate exposure" was <met>

      Examples:
        | exposure        | verdict                               | met    |
        | pilot           | an honourable failure                 | met    |
        | staged roll-out | an honourable failure                 | met    |
        | capped cost     | an honourable failure                 | met    |
        | open-ended      | an unmanaged failure, with a red flag | missed |

    Scenario Outline: (4) Lessons must be both captured and shared: captured <captured>, shared <shared>
      Given a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads lessons captured: <captured>; lessons shared: <shared>, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "lessons captured and shared" was <met>

      Examples:
        | captured | shared | verdict                               | met    |
        | yes      | yes    | an honourable failure                 | met    |
        | yes      | no     | an unmanaged failure, with a red flag | missed |
        | no       | yes    | an unmanaged failure, with a red flag | missed |
        | no       | no     | an unmanaged failure, with a red flag | missed |

  Rule: At least one of (5) and (6): either is enough, missing both makes the failure unmanaged

    Scenario Outline: Risk appetite approved by <approved by>, monitoring acted on: <acted on>
      Given a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads risk appetite approved by: <approved by>; monitoring acted on: <acted on>, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "risk appetite approved by the cabinet or board" was <criterion 5>
      And the result says criterion "monitoring with early-warning indicators, acted on" was <criterion 6>

      Examples:
        | approved by | acted on | criterion 5 | criterion 6 | verdict                               |
        | the cabinet | yes      | met         | met         | an honourable failure                 |
        | the board   | yes      | met         | met         | an honourable failure                 |
        | the cabinet | no       | met         | missed      | an honourable failure                 |
        | nobody      | yes      | missed      | met         | an honourable failure                 |
        | nobody      | no       | missed      | missed      | an unmanaged failure, with a red flag |

    Scenario Outline: (6) Monitoring needs at least as many early-warning indicators as the rules ask
      With no risk appetite approved, criterion (6) alone decides.

      Given a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads risk appetite approved by: nobody; early-warning indicators: <indicators>; monitoring acted on: yes, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "monitoring with early-warning indicators, acted on" was <met>

      Examples:
        | indicators                                                                 | verdict                               | met    |
        | one fewer than the number of early-warning indicators monitoring must have | an unmanaged failure, with a red flag | missed |
        | equal to the number of early-warning indicators monitoring must have       | an honourable failure                 | met    |
        | one more than the number of early-warning indicators monitoring must have  | an honourable failure                 | met    |

    @brief_default
    Scenario Outline: With the rules' default of one mitigation, a register entry recording <mitigations> mitigations
      The brief leaves the number to the rules; the shipped rules ask for one. Tuning it is a policy change this
      scenario reports (the outline above follows whatever number the rules set).

      Given the rules keep their default mitigations the risk register must record of 1
      And a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads mitigations: <mitigations>, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "mitigations and a contingency" was <met>

      Examples:
        | mitigations | verdict                               | met    |
        | none        | an unmanaged failure, with a red flag | missed |
        | 1           | an honourable failure                 | met    |

    @brief_default
    Scenario Outline: With the rules' default of one early-warning indicator, monitoring with <indicators> of them
      The brief leaves the number to the rules; the shipped rules ask for one. With no risk appetite approved,
      criterion (6) alone decides.

      Given the rules keep their default early-warning indicators monitoring must have of 1
      And a priority outcome "Community transport pilot" that failed
      And the risk register entry for it reads risk appetite approved by: nobody; early-warning indicators: <indicators>; monitoring acted on: yes, and otherwise meets every criterion
      Then it is <verdict>
      And the result says criterion "monitoring with early-warning indicators, acted on" was <met>

      Examples:
        | indicators | verdict                               | met    |
        | none       | an unmanaged failure, with a red flag | missed |
        | 1          | an honourable failure                 | met    |

  Rule: Never honourable where vulnerable people or safeguarding were harmed, or fraud or negligence is found

    Scenario: A failed outcome concerning vulnerable people or safeguarding is never honourable, even with every criterion met
      The evidence says whether an outcome concerns vulnerable people or safeguarding, not whether
      anyone was harmed: the rules take the failure of such an outcome as harm to them. That is the
      rules' reading of the brief's "harmed", which the evidence cannot say more precisely. Such a
      red flag also caps the area's overall score: the overall view's scenarios show that.

      Given a priority outcome "Home care reablement pilot" that failed, concerning vulnerable people or safeguarding
      And the risk register entry for it meets every criterion
      Then it is an unmanaged failure, with a red flag
      And the result says vulnerable people or safeguarding were harmed
      And the result says every criterion was met

    Scenario Outline: A failure in which <what> was found is never honourable, even with every criterion met
      Given a priority outcome "Housing repairs partnership" that failed
      And the risk register entry for it meets every criterion
      And <what> was found in it
      Then it is an unmanaged failure, with a red flag
      And the result says fraud or negligence was found
      And the result says every criterion was met

      Examples:
        | what       |
        | fraud      |
        | negligence |

  Rule: A failed innovation is judged by the same test

    Scenario Outline: A failed innovation whose risk-register entry reads <fact>: <value>
      Given an innovation "Community energy co-operative" that failed, started on 2008-04-01
      And the risk register entry for it reads <fact>: <value>, and otherwise meets every criterion
      Then it is <verdict>

      Examples:
        | fact                      | value       | verdict                               |
        | exposure                  | capped cost | an honourable failure                 |
        | risk appetite approved by | nobody      | an honourable failure                 |
        | exposure                  | open-ended  | an unmanaged failure, with a red flag |
        | recorded on               | 2008-04-01  | an unmanaged failure, with a red flag |

    Scenario: A failed innovation in which negligence was found is never honourable
      Given an innovation "Community energy co-operative" that failed
      And the risk register entry for it meets every criterion
      And negligence was found in it
      Then it is an unmanaged failure, with a red flag

  Rule: An honourable failure does not lower the area's risk assessment; an unmanaged one does

    Scenario Outline: An area with green flags enough to perform strongly, and a failure that <test> the honourable-failure test
      Given the number of priority outcomes that exceeded is equal to the number of green flags for performing strongly
      And a priority outcome "Community transport pilot" that failed
      And it <test> the honourable-failure test
      Then the area has <red flags>
      And the area's risk assessment is <score>, <label>

      Examples:
        | test   | red flags   | score | label               |
        | passes | no red flag | 4     | performing strongly |
        | misses | 1 red flag  | 2     | adequate            |
