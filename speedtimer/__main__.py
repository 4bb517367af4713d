from speedtimer.cli.main import main

raise SystemExit(main())
