from resilience_skill.cli import main

raise SystemExit(main())
