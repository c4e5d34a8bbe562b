add_test(NAME quantize_report COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_quantize_report.sh $<TARGET_FILE:octet> ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR}/hard_models)
set_tests_properties(quantize_report PROPERTIES LABELS cli TIMEOUT 300 FIXTURES_REQUIRED hard)
