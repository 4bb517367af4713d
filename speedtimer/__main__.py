from speedtimer.cli import main

raise SystemExit(main())
