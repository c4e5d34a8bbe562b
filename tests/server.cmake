# The server end to end: a real `octet serve` on 127.0.0.1 with real HTTP clients.
add_test(NAME server COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_server.py $<TARGET_FILE:octet>)
set_tests_properties(server PROPERTIES LABELS integration TIMEOUT 600)

# Triton's own client library (tritonclient[http] from PyPI, in a venv made once).
add_test(NAME pyenv_setup COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/setup_pyenv.sh ${CMAKE_BINARY_DIR}/pyenv)
set_tests_properties(pyenv_setup PROPERTIES FIXTURES_SETUP pyenv TIMEOUT 600)
add_test(NAME server_tritonclient
         COMMAND ${CMAKE_BINARY_DIR}/pyenv/bin/python ${CMAKE_CURRENT_SOURCE_DIR}/test_tritonclient.py $<TARGET_FILE:octet>)
set_tests_properties(server_tritonclient PROPERTIES LABELS integration TIMEOUT 600 FIXTURES_REQUIRED pyenv)

# TLS (a certificate made with openssl), the API key, path traversal.
add_test(NAME server_security COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_server_security.py $<TARGET_FILE:octet>)
set_tests_properties(server_security PROPERTIES LABELS integration TIMEOUT 300)
