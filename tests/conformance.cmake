# ONNX's own backend test data (Debian's libonnx-testdata), run through `octet conformance`.
# Each test fails on any failure among supported cases, and when fewer cases pass than
# the floor given (so a regression cannot hide as a skip).
set(ONNX_TESTDATA "/usr/share/libonnx-testdata/data" CACHE PATH "ONNX backend test data")
foreach(suite_min node:824 pytorch-converted:82 pytorch-operator:35 simple:7)
  string(REPLACE ":" ";" pair ${suite_min})
  list(GET pair 0 suite)
  list(GET pair 1 min)
  add_test(NAME conformance_${suite}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/check_conformance.sh $<TARGET_FILE:octet>
                   ${ONNX_TESTDATA}/${suite} ${min})
  set_tests_properties(conformance_${suite} PROPERTIES LABELS conformance TIMEOUT 900)
endforeach()

# The same cases with --device opencl (PoCL in CI): nodes the device implements run there,
# the rest on the CPU; a device fallback fails the case. The node suite must exercise the
# device in at least 140 passing cases.
foreach(suite_min node:824:140 pytorch-converted:82:0 pytorch-operator:35:0 simple:7:0)
  string(REPLACE ":" ";" trip ${suite_min})
  list(GET trip 0 suite)
  list(GET trip 1 min)
  list(GET trip 2 mindev)
  add_test(NAME conformance_opencl_${suite}
           COMMAND ${CMAKE_COMMAND} -E env MIN_DEVICE=${mindev}
                   bash ${CMAKE_CURRENT_SOURCE_DIR}/check_conformance.sh $<TARGET_FILE:octet>
                   ${ONNX_TESTDATA}/${suite} ${min} --device opencl)
  set_tests_properties(conformance_opencl_${suite} PROPERTIES LABELS conformance TIMEOUT 900)
endforeach()
