# deploy/: yamllint on every manifest and the fields they must hold (python3-yaml, yamllint).
add_test(NAME deploy_manifests COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_deploy.py $<TARGET_FILE:octet>)
set_tests_properties(deploy_manifests PROPERTIES LABELS integration TIMEOUT 120)
