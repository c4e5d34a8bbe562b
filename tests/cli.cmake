add_test(NAME cli COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_cli.sh $<TARGET_FILE:octet> ${CMAKE_SOURCE_DIR})
set_tests_properties(cli PROPERTIES LABELS cli TIMEOUT 300)
