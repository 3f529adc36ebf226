"""The edge assistant: hears, understands simple commands itself, and acts on this device."""
